// Live forms (progressive enhancement; every form also works without this
// script, posting the same fields):
// - the rollout slider is shown and kept in step with the "Rollout in %"
//   number (the number is the field that is posted);
// - changing the strategy type redraws its fields in place (the server draws
//   them, as the no-JavaScript "Show this strategy's fields" button would);
// - changing a constraint's operator redraws its value input in place: a list
//   operator's values become chips (added with Enter or a comma, removed with
//   a button) backed by the row's textarea, a single value gets an input
//   typed by the operator (number, date-time, a semver or CIDR hint), and the
//   context field's legal values are offered;
// - a new flag's name is checked while it is typed.

/** Elements marked `data-nojs` only serve forms without this script. */
function hideNoJs(root) {
  for (const el of root.querySelectorAll('[data-nojs]')) el.hidden = true;
}

// ---- rollout slider ------------------------------------------------------

function syncSliders(root) {
  for (const range of root.querySelectorAll('input[type=range][data-sync]')) {
    const number = document.getElementById(range.dataset.sync);
    if (!number) continue;
    const wrapper = range.closest('.slider');
    if (wrapper) wrapper.hidden = false;
    range.value = number.value;
    range.addEventListener('input', () => {
      number.value = range.value;
    });
    number.addEventListener('input', () => {
      const value = Number(number.value);
      if (number.value.trim() !== '' && Number.isFinite(value)) {
        range.value = String(Math.min(100, Math.max(0, value)));
      }
    });
  }
}

// ---- strategy type -------------------------------------------------------

function redrawOnChange(form) {
  for (const select of form.querySelectorAll('select[data-redraw]')) {
    select.addEventListener('change', async () => {
      const target = document.getElementById(select.dataset.redraw);
      if (!target) return;
      const body = new URLSearchParams(new FormData(form));
      body.set('redraw', '1');
      target.setAttribute('aria-busy', 'true');
      try {
        const response = await fetch(form.action, { method: 'POST', body, credentials: 'same-origin' });
        if (!response.ok) throw new Error(`status ${response.status}`);
        const page = new DOMParser().parseFromString(await response.text(), 'text/html');
        const drawn = page.getElementById(select.dataset.redraw);
        if (!drawn) throw new Error('no fields in the answer');
        target.replaceChildren(...drawn.childNodes);
        syncSliders(target);
      } catch {
        // Fall back to what works without JavaScript: the round trip.
        form.requestSubmit(form.querySelector('button[name=redraw]') ?? undefined);
      } finally {
        target.removeAttribute('aria-busy');
      }
    });
  }
}

// ---- constraints ---------------------------------------------------------

const PLACEHOLDERS = {
  number: 'e.g. 42 or 3.5',
  semver: 'e.g. 1.2.3',
  pattern: 'e.g. ^beta-',
  network: 'e.g. 10.0.0.0/8',
};

/** The values of a list textarea: one per line. */
const linesOf = (text) => text.split('\n').map((v) => v.trim()).filter((v) => v !== '');

/** A `datetime-local` value from what a date row held (an RFC 3339 instant is shown in UTC). */
function localTime(text) {
  const t = text.trim();
  if (/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?$/.test(t)) return t;
  if (!/^\d{4}-\d\d-\d\dT/.test(t)) return null;
  const date = new Date(t);
  return Number.isNaN(date.getTime()) ? null : date.toISOString().replace(/Z$/, '');
}

class ConstraintRow {
  constructor(fieldset) {
    this.fieldset = fieldset;
    this.slot = fieldset.querySelector('[data-value]');
    this.context = fieldset.querySelector('select[id$="-context"]');
    this.operator = fieldset.querySelector('select[id$="-operator"]');
    if (!this.slot || !this.context || !this.operator) return;
    this.control = this.slot.querySelector('[name$=".values"]');
    this.id = this.control.id;
    this.name = this.control.name;
    this.describedBy = this.control.getAttribute('aria-describedby');
    this.operator.addEventListener('change', () => this.draw());
    this.context.addEventListener('change', () => this.offerLegal());
    if (this.control.tagName === 'TEXTAREA') this.chips(linesOf(this.control.value));
  }

  operatorInfo() {
    const option = this.operator.selectedOptions[0];
    return { list: option?.dataset.list === 'true', kind: option?.dataset.kind ?? 'text' };
  }

  legalList() {
    return this.context.selectedOptions[0]?.dataset.legal ?? '';
  }

  /** Every value the row holds now, whichever input shows it. */
  values() {
    if (this.control.tagName === 'TEXTAREA') {
      const values = linesOf(this.control.value);
      const pending = this.entry?.value.trim();
      return pending ? [...values, pending] : values;
    }
    return this.control.value.trim() === '' ? [] : [this.control.value.trim()];
  }

  /** Redraws the value input for the operator now chosen, keeping the values. */
  draw() {
    const values = this.values();
    const { list, kind } = this.operatorInfo();
    const label = document.createElement('label');
    if (list) {
      const area = document.createElement('textarea');
      area.rows = 3;
      area.value = values.map((v) => `${v}\n`).join('');
      this.adopt(area);
      label.htmlFor = this.id;
      label.textContent = 'Values (one per line)';
      this.slot.replaceChildren(label, area);
      this.chips(values);
      return;
    }
    const input = document.createElement('input');
    const first = values[0] ?? '';
    if (kind === 'number') {
      input.type = 'number';
      input.step = 'any';
      input.value = first !== '' && Number.isFinite(Number(first)) ? first : '';
      if (input.value === '' && first !== '') input.type = 'text';
    } else if (kind === 'date') {
      const local = first === '' ? '' : localTime(first);
      input.type = local === null ? 'text' : 'datetime-local';
      if (local !== null) input.step = 'any';
      input.value = local ?? first;
    } else {
      input.type = 'text';
    }
    if (input.value === '' && input.type === 'text') input.value = first;
    if (PLACEHOLDERS[kind]) input.placeholder = PLACEHOLDERS[kind];
    this.adopt(input);
    const legal = this.legalList();
    if (legal) input.setAttribute('list', legal);
    label.htmlFor = this.id;
    label.textContent = kind === 'date' ? 'Value (UTC)' : 'Value';
    this.slot.replaceChildren(label, input);
    this.entry = null;
  }

  /** Gives a new control the row's id, name and error description. */
  adopt(control) {
    control.id = this.id;
    control.name = this.name;
    if (this.describedBy) {
      control.setAttribute('aria-describedby', this.describedBy);
      control.setAttribute('aria-invalid', 'true');
    }
    this.control = control;
  }

  offerLegal() {
    const legal = this.legalList();
    const target = this.entry ?? (this.control.tagName === 'INPUT' ? this.control : null);
    if (!target) return;
    if (legal) target.setAttribute('list', legal);
    else target.removeAttribute('list');
  }

  /** The textarea's values as chips, with an input that adds more. */
  chips(values) {
    const area = this.control;
    area.hidden = true;
    area.setAttribute('aria-label', 'Posted values, one per line');
    const box = document.createElement('div');
    box.className = 'chips';
    const list = document.createElement('ul');
    list.className = 'chip-list';
    list.setAttribute('aria-label', 'Chosen values');
    const entry = document.createElement('input');
    entry.type = 'text';
    entry.id = `${this.id}-entry`;
    entry.className = 'chip-entry';
    entry.autocomplete = 'off';
    if (this.describedBy) entry.setAttribute('aria-describedby', this.describedBy);
    const legal = this.legalList();
    if (legal) entry.setAttribute('list', legal);
    const label = this.slot.querySelector(`label[for="${this.id}"]`);
    if (label) {
      label.htmlFor = entry.id;
      label.textContent = 'Values (press Enter or type a comma after each)';
    }
    let current = [...values];
    const store = () => {
      area.value = current.map((v) => `${v}\n`).join('');
    };
    const render = () => {
      list.replaceChildren(
        ...current.map((value, index) => {
          const item = document.createElement('li');
          item.className = 'chip';
          const text = document.createElement('span');
          text.textContent = value;
          const remove = document.createElement('button');
          remove.type = 'button';
          remove.className = 'chip-remove';
          remove.textContent = '×';
          remove.setAttribute('aria-label', `Remove value ${value}`);
          remove.addEventListener('click', () => {
            current.splice(index, 1);
            store();
            render();
            entry.focus();
          });
          item.append(text, remove);
          return item;
        }),
      );
      list.hidden = current.length === 0;
    };
    const add = (text) => {
      for (const part of text.split(',').map((v) => v.trim()).filter((v) => v !== '')) {
        if (!current.includes(part)) current.push(part);
      }
      store();
      render();
    };
    entry.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' || event.key === ',') {
        event.preventDefault();
        add(entry.value);
        entry.value = '';
      } else if (event.key === 'Backspace' && entry.value === '' && current.length > 0) {
        current.pop();
        store();
        render();
      }
    });
    // A pasted or picked "a, b" becomes chips as soon as a comma is in it.
    entry.addEventListener('input', () => {
      if (entry.value.includes(',')) {
        const parts = entry.value.split(',');
        const rest = parts.pop();
        add(parts.join(','));
        entry.value = rest;
      }
    });
    // What is typed but not yet a chip is kept when the form is posted.
    area.form?.addEventListener('submit', () => {
      if (entry.isConnected && entry.value.trim() !== '') {
        add(entry.value);
        entry.value = '';
      }
    });
    box.append(list, entry);
    area.after(box);
    this.entry = entry;
    render();
  }
}

// ---- a new flag's name ---------------------------------------------------

function checkNames(root) {
  for (const input of root.querySelectorAll('input[data-check-url]')) {
    const out = document.getElementById(input.dataset.checkOut);
    if (!out) continue;
    let timer = 0;
    let asked = 0;
    const describe = (problem) => {
      // The server's message from the last post is about an older name.
      const stale = document.getElementById(`${input.id}-error`);
      if (stale) stale.hidden = true;
      out.textContent = problem ?? '';
      out.hidden = !problem;
      if (problem) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    };
    input.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const name = input.value;
        if (name.trim() === '') return describe(null);
        const ask = ++asked;
        try {
          const url = `${input.dataset.checkUrl}?name=${encodeURIComponent(name)}`;
          const response = await fetch(url, { credentials: 'same-origin' });
          if (!response.ok) return;
          const answer = await response.json();
          if (ask === asked) describe(answer.problem);
        } catch {
          // No answer: the server checks again when the form is posted.
        }
      }, 250);
    });
  }
}

// ---- start ---------------------------------------------------------------

hideNoJs(document);
syncSliders(document);
for (const form of document.querySelectorAll('form')) redrawOnChange(form);
for (const fieldset of document.querySelectorAll('[data-constraints] fieldset.constraint')) {
  new ConstraintRow(fieldset);
}
checkNames(document);
