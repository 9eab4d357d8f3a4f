// Flagstaff's web UI, enhanced: every page works without this file (forms
// post, the server asks before destructive actions, notices come after the
// redirect). With it:
// - a form with data-confirm asks in a <dialog> and then posts confirmed=yes;
// - an environment switch (button role="switch" in form.switch) flips in
//   place: POST with the form's CSRF token, Accept: application/json; the
//   answer's notice is announced in the role="status" region, a failure
//   puts the switch back and says why;
// - the main menu stays open on wide screens (on a phone it is a <details>);
// - copy buttons (button[data-copy], hidden until this runs) copy their text.
// Served by the binary at /ui/flagstaff.js (crates/server/src/ui/assets.rs).

const status = () => document.getElementById('notice');

/** Shows `text` in the status region (announced by screen readers). */
export function announce(text, kind = 'ok') {
  const region = status();
  if (!region) return;
  region.replaceChildren();
  const p = document.createElement('p');
  p.textContent = text;
  if (kind === 'error') p.className = 'error';
  region.append(p);
}

// ---- Confirmation before a destructive action ----

let dialog;

function confirmDialog() {
  if (dialog) return dialog;
  dialog = document.createElement('dialog');
  dialog.className = 'confirm';
  dialog.setAttribute('aria-labelledby', 'confirm-question');
  const question = document.createElement('p');
  question.id = 'confirm-question';
  const buttons = document.createElement('form');
  buttons.method = 'dialog';
  buttons.className = 'actions';
  const ok = document.createElement('button');
  ok.value = 'ok';
  ok.className = 'danger';
  const cancel = document.createElement('button');
  cancel.value = 'cancel';
  cancel.className = 'secondary';
  cancel.textContent = 'Cancel';
  buttons.append(ok, cancel);
  dialog.append(question, buttons);
  document.body.append(dialog);
  return dialog;
}

function ask(form, submitter) {
  const d = confirmDialog();
  d.querySelector('#confirm-question').textContent = form.dataset.confirm;
  d.querySelector('button[value=ok]').textContent =
    form.dataset.confirmButton || submitter?.textContent.trim() || 'Yes';
  d.returnValue = '';
  d.onclose = () => {
    if (d.returnValue !== 'ok') {
      submitter?.focus();
      return;
    }
    let field = form.querySelector('input[name=confirmed]');
    if (!field) {
      field = document.createElement('input');
      field.type = 'hidden';
      field.name = 'confirmed';
      form.append(field);
    }
    field.value = 'yes';
    form.dataset.asked = 'yes';
    form.requestSubmit(submitter && submitter.form === form ? submitter : undefined);
  };
  d.showModal();
  d.querySelector('button[value=cancel]').focus();
}

document.addEventListener('submit', (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.dataset.confirm) return;
  if (form.dataset.asked === 'yes') {
    delete form.dataset.asked;
    return;
  }
  event.preventDefault();
  ask(form, event.submitter);
});

// ---- Environment switches, in place ----

function setSwitch(button, on) {
  button.setAttribute('aria-checked', on ? 'true' : 'false');
  const text = button.querySelector('.switch-text');
  if (text) text.textContent = on ? 'On' : 'Off';
  const next = button.form?.querySelector('input[name=enabled]');
  if (next) next.value = on ? 'false' : 'true';
}

/** The sentence a refusal page says (its first paragraph), or its status. */
async function reason(response) {
  try {
    const html = await response.text();
    const doc = new DOMParser().parseFromString(html, 'text/html');
    const text = doc.querySelector('main h1 + p, main p')?.textContent.trim();
    if (text) return text;
  } catch {
    // fall through
  }
  return `the server answered ${response.status}`;
}

async function flip(form) {
  const button = form.querySelector('button[role=switch]');
  if (!button || button.getAttribute('aria-busy') === 'true') return;
  const was = button.getAttribute('aria-checked') === 'true';
  const body = new URLSearchParams(new FormData(form));
  setSwitch(button, !was);
  button.setAttribute('aria-busy', 'true');
  try {
    const response = await fetch(form.action, {
      method: 'POST',
      body,
      headers: { Accept: 'application/json' },
      credentials: 'same-origin',
    });
    if (!response.ok) throw new Error(await reason(response));
    const answer = await response.json();
    setSwitch(button, answer.enabled);
    announce(answer.notice);
    // The flag page's environment tabs say each one's state too.
    const environment = form.dataset.environment;
    if (environment) {
      for (const label of document.querySelectorAll(`[data-env-state="${CSS.escape(environment)}"]`)) {
        label.textContent = answer.enabled ? 'on' : 'off';
        label.className = `state ${answer.enabled ? 'on' : 'off'}`;
      }
    }
  } catch (error) {
    setSwitch(button, was);
    const name = button.getAttribute('aria-label') || 'the flag';
    announce(`Not switched (${name}): ${error.message}`, 'error');
  } finally {
    button.removeAttribute('aria-busy');
  }
}

document.addEventListener('submit', (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.classList.contains('switch')) return;
  event.preventDefault();
  flip(form);
});

// ---- The main menu: open on wide screens, a menu button on a phone ----

function menu() {
  const details = document.getElementById('menu');
  if (!details) return;
  const wide = window.matchMedia('(min-width: 56rem)');
  const sync = () => {
    details.open = wide.matches;
  };
  sync();
  wide.addEventListener('change', sync);
  details.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && !wide.matches && details.open) {
      details.open = false;
      details.querySelector('summary').focus();
    }
  });
}

// ---- Copy buttons ----

function copyButtons() {
  for (const button of document.querySelectorAll('button[data-copy]')) {
    button.hidden = false;
    button.addEventListener('click', async () => {
      try {
        await navigator.clipboard.writeText(button.dataset.copy);
        announce(`Copied “${button.dataset.copy}”.`);
      } catch {
        announce('Could not copy: the browser did not allow it.', 'error');
      }
    });
  }
}

menu();
copyButtons();
