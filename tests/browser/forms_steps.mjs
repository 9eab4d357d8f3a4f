// The live forms (crates/server/static/forms.js) in a real browser: the
// rollout slider and number kept in step, the strategy type's fields and a
// constraint's value input redrawn in place when their select changes (no
// page load), constraint values as chips, and a new flag's name checked while
// it is typed. Imported by ui_e2e.mjs, which passes the signed-in page.

import assert from 'node:assert/strict';

/** Marks the document so that a page load (which drops the mark) is noticed. */
async function mark(page) {
  await page.evaluate(() => {
    window.__notReloaded = true;
  });
}

async function stillSamePage(page, what) {
  assert.equal(await page.evaluate(() => window.__notReloaded === true), true, `${what} without a page load`);
}

/** The strategy form of `flag` in development: slider, type switch, operator switch, chips. */
export async function strategyFormSteps(page, { base, project, flag, step }) {
  step('live strategy form: the slider and the number follow each other');
  await page.goto(`${base}/projects/${project}/features/${flag}/environments/development/strategies/new`);
  await mark(page);
  const number = page.getByLabel('Rollout in %');
  const slider = page.getByLabel('Rollout (slider)');
  await slider.waitFor({ state: 'visible' });
  assert.equal(await slider.inputValue(), await number.inputValue());
  await number.fill('30');
  assert.equal(await slider.inputValue(), '30');
  await slider.fill('70');
  assert.equal(await number.inputValue(), '70');
  await slider.focus();
  await page.keyboard.press('ArrowLeft');
  assert.equal(await number.inputValue(), '69', 'the keyboard moves the slider, and the number with it');
  assert.equal(
    await page.getByRole('button', { name: "Show this strategy's fields" }).isVisible(),
    false,
    'the round-trip button is for forms without JavaScript',
  );

  step('live strategy form: another strategy type redraws its fields in place');
  await page.getByLabel('Strategy', { exact: true }).selectOption('userWithId');
  await page.locator('#strategy-fields [name="p_userIds"]').waitFor();
  assert.equal(await page.getByLabel('Rollout in %').count(), 0);
  await page.getByLabel('Strategy', { exact: true }).selectOption('flexibleRollout');
  await page.getByLabel('Rollout (slider)').waitFor({ state: 'visible' });
  await stillSamePage(page, 'the strategy type changed');

  step('live strategy form: an operator change redraws the value input; values are chips');
  await page.getByRole('button', { name: 'Add constraint' }).click();
  await page.getByLabel('Context field').waitFor();
  await mark(page);
  const operator = page.getByLabel('Operator');
  await operator.selectOption('NUM_GT');
  const value = page.locator('#constraint-0-values');
  assert.equal(await value.getAttribute('type'), 'number');
  assert.equal(await page.locator('label[for="constraint-0-values"]').innerText(), 'Value');
  await value.fill('18');
  await operator.selectOption('SEMVER_GT');
  assert.equal(await value.getAttribute('type'), 'text');
  assert.equal(await value.getAttribute('placeholder'), 'e.g. 1.2.3');
  await operator.selectOption('DATE_AFTER');
  assert.equal(await value.getAttribute('type'), 'text', '"18" is no date-time: kept as text');
  await value.fill('');
  await operator.selectOption('DATE_BEFORE');
  assert.equal(await value.getAttribute('type'), 'datetime-local');
  assert.equal(await page.locator('label[for="constraint-0-values"]').innerText(), 'Value (UTC)');
  await operator.selectOption('IN');
  const entry = page.getByLabel(/^Values \(press Enter/);
  await entry.fill('alpha');
  await entry.press('Enter');
  await entry.pressSequentially('beta,');
  await entry.pressSequentially('gamma');
  await entry.press('Enter');
  const chips = page.locator('.chip span');
  assert.deepEqual(await chips.allInnerTexts(), ['alpha', 'beta', 'gamma']);
  // Each chip's remove button is a button: the keyboard reaches and presses it.
  await page.getByRole('button', { name: 'Remove value beta' }).focus();
  await page.keyboard.press('Enter');
  assert.deepEqual(await chips.allInnerTexts(), ['alpha', 'gamma']);
  assert.equal(await page.locator('textarea[name="constraint.0.values"]').inputValue(), 'alpha\ngamma\n');
  await operator.selectOption('STR_CONTAINS');
  assert.deepEqual(await chips.allInnerTexts(), ['alpha', 'gamma'], 'list to list keeps the chips');
  await stillSamePage(page, 'the operator changed');
}

/** The new-flag form: the name is checked while it is typed, beside the field. */
export async function nameCheckSteps(page, { base, project, takenName, step }) {
  step('new flag: the name is checked while it is typed');
  await page.goto(`${base}/projects/${project}/features/new`);
  const name = page.getByLabel('Name');
  const check = page.locator('#name-check');
  await name.pressSequentially('has space', { delay: 10 });
  await check.waitFor({ state: 'visible' });
  assert.match(await check.innerText(), /URL friendly/);
  assert.equal(await name.getAttribute('aria-invalid'), 'true');
  await name.fill(takenName);
  await page.waitForFunction(() => /already exists/.test(document.getElementById('name-check').textContent));
  await name.fill('a-fresh-name');
  await check.waitFor({ state: 'hidden' });
  assert.equal(await name.getAttribute('aria-invalid'), null);
}
