// The UI shell in the browser (issue 22): environment switches that flip in
// place, the confirmation dialog before a destructive action (and the
// confirmation page without JavaScript), the notice after a change, the
// phone menu with and without JavaScript, the API summary at /about.
// Imported by ui_e2e.mjs; `accessible` runs axe-core on a page.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const ADMIN_TOKEN = process.env.FLAGSTAFF_ADMIN_TOKEN;

/** Pages of a context without JavaScript. */
const noScript = new WeakSet();

/** Marks `page` as one of a context without JavaScript (for `accessible`). */
export function withoutScript(page) {
  noScript.add(page);
}

/** Per browser, the one page that runs scripts where axe checks the others' documents. */
const helpers = new WeakMap();

async function scriptedHelper(page) {
  const browser = page.context().browser();
  let helper = helpers.get(browser);
  if (!helper || helper.isClosed()) {
    helper = await browser.newPage();
    // A page of the server's origin: the copied document's styles load from there.
    await helper.goto(new URL('/about', page.url()).href);
    helpers.set(browser, helper);
  }
  await helper.setViewportSize(page.viewportSize());
  return helper;
}

/** Every serious or critical axe-core violation seen, by screen. */
export const violations = [];

/**
 * axe-core on the page as it is; its serious and critical violations are
 * collected (ui_e2e.mjs fails on any at the end, listing them all). The
 * script is evaluated over the DevTools protocol, which the page's CSP does
 * not govern (an injected <script> would be refused, rightly).
 */
export async function accessible(page, name) {
  if (noScript.has(page)) {
    // axe needs the page's own event loop: the same document, in a page that
    // runs scripts, without the page's own (they would enhance it).
    const helper = await scriptedHelper(page);
    const html = (await page.content()).replace(/<script\b[^>]*>[\s\S]*?<\/script>/gi, '');
    await helper.setContent(html, { waitUntil: 'load' });
    await accessible(helper, name);
    return;
  }
  const loaded = await page.evaluate(() => typeof window.axe !== 'undefined');
  if (!loaded) await page.evaluate(`${AXE}\n;undefined`);
  const found = await page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.html.slice(0, 140)).join(' | ')}`);
  });
  for (const violation of found) violations.push(`${name}: ${violation}`);
}

/** The flag's state in `environment` through the admin API. */
async function enabledIn(BASE, PROJECT, FLAG, environment) {
  const response = await fetch(`${BASE}/api/admin/projects/${PROJECT}/features/${FLAG}`, {
    headers: { Authorization: ADMIN_TOKEN },
  });
  assert.equal(response.status, 200);
  const flag = await response.json();
  return flag.environments.find((e) => e.name === environment).enabled;
}

export async function shellSteps({ browser, page, step, screenshots, BASE, FLAG, PROJECT, ADMIN }) {
  step('a switch on the flags list flips in place, and the admin API sees it');
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(`${BASE}/projects/${PROJECT}/features`);
  await page.evaluate(() => { window.notReloaded = true; });
  const production = page.getByRole('switch', { name: `${FLAG} in production` });
  assert.equal(await production.getAttribute('aria-checked'), 'false');
  assert.equal(await enabledIn(BASE, PROJECT, FLAG, 'production'), false);
  await production.click();
  const status = page.getByRole('status');
  await status.getByText(`Switched ${FLAG} on in production.`).waitFor();
  assert.equal(await production.getAttribute('aria-checked'), 'true');
  assert.equal(await page.evaluate(() => window.notReloaded), true, 'no page load');
  assert.equal(await enabledIn(BASE, PROJECT, FLAG, 'production'), true);
  await production.click();
  await status.getByText(`Switched ${FLAG} off in production.`).waitFor();
  assert.equal(await production.getAttribute('aria-checked'), 'false');
  assert.equal(await enabledIn(BASE, PROJECT, FLAG, 'production'), false);
  assert.equal(await page.evaluate(() => window.notReloaded), true, 'no page load');

  step('a refused switch goes back and says why');
  await page.route('**/environments/production/toggle', (route) =>
    route.fulfill({ status: 503, contentType: 'text/html', body: '<main><h1>Database unreachable</h1><p>The database is unreachable.</p></main>' }));
  await production.click();
  await status.getByText(/Not switched .*The database is unreachable\./).waitFor();
  assert.equal(await production.getAttribute('aria-checked'), 'false');
  await page.unroute('**/environments/production/toggle');

  step('the flag page: its header, its strategy in words, a snippet');
  await page.goto(`${BASE}/projects/${PROJECT}/features/${FLAG}?environment=development`);
  await page.getByRole('heading', { level: 1, name: FLAG }).waitFor();
  await page.getByRole('button', { name: 'Copy name' }).waitFor();
  await page.getByText('Gradual rollout: 50% of sessionId, group delete_survey_flag').waitFor();
  await page.getByText('environment is not one of production').waitFor();
  assert.equal(await page.getByText('flexibleRollout').count(), 0, 'no internal names');
  await page.getByRole('heading', { name: 'Check this flag from your code' }).waitFor();
  assert.match(await page.locator('.snippets pre').first().innerText(), new RegExp(`is_enabled\\("${FLAG}"`));
  assert.match(await page.locator('.snippets pre').first().innerText(), new RegExp(`url="${BASE}/api"`));
  for (const tab of ['Variants', 'Settings', 'Metrics', 'Event log']) {
    await page.getByRole('navigation', { name: 'Flag' }).getByRole('link', { name: tab }).click();
    await page.getByRole('heading', { level: 1, name: FLAG }).waitFor();
  }

  step('deleting an API token asks first in a dialog; Cancel keeps it');
  await page.goto(`${BASE}/api-tokens`);
  await page.getByLabel('Name').fill('doomed-token');
  await page.getByRole('button', { name: 'Create token' }).click();
  await page.getByText('doomed-token').first().waitFor();
  await page.goto(`${BASE}/api-tokens`);
  const remove = page.getByRole('button', { name: 'Delete token doomed-token' });
  await remove.click();
  const dialog = page.getByRole('dialog');
  await dialog.getByText('Delete the API token “doomed-token”?').waitFor();
  await accessible(page, 'confirmation dialog');
  await screenshots(page, 'confirm-dialog');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await dialog.waitFor({ state: 'hidden' });
  await page.getByRole('row', { name: /doomed-token/ }).waitFor();

  step('confirmed, it is deleted, and the next page says so once');
  await remove.click();
  await dialog.getByRole('button', { name: 'Delete token' }).click();
  await page.getByRole('status').getByText('Deleted the API token “doomed-token”.').waitFor();
  assert.equal(await page.getByRole('row', { name: /doomed-token/ }).count(), 0);
  await page.reload();
  assert.equal(await page.getByRole('status').getByText('Deleted the API token').count(), 0, 'shown once');

  step('without JavaScript: a confirmation page, the phone menu, the start page');
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 390, height: 800 } });
  const plain = await context.newPage();
  withoutScript(plain);
  const start = await plain.goto(`${BASE}/`);
  assert.equal(new URL(plain.url()).pathname, '/login', `${start.status()}`);
  await plain.getByRole('link', { name: /about this server/ }).click();
  await plain.getByText('/api/frontend').waitFor();
  await screenshots(plain, 'about');
  await plain.goto(`${BASE}/login`);
  await plain.getByLabel('Username or email').fill(ADMIN.username);
  await plain.getByLabel('Password').fill(ADMIN.password);
  await plain.getByRole('button', { name: 'Sign in' }).click();
  await plain.waitForURL(`${BASE}/projects/${PROJECT}/features`);
  // The menu is folded on a phone: a summary that opens it, no script needed.
  const events = plain.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Events' });
  assert.equal(await events.isVisible(), false, 'folded');
  await plain.getByText('Menu', { exact: true }).click();
  await events.waitFor();
  await screenshots(plain, 'menu-open');
  await events.click();
  await plain.waitForURL(`${BASE}/events`);
  // A strategy delete without the dialog: the server asks, Cancel changes nothing.
  await plain.setViewportSize({ width: 1280, height: 900 });
  await plain.goto(`${BASE}/api-tokens`);
  await plain.getByLabel('Name').fill('second-doomed');
  await plain.getByRole('button', { name: 'Create token' }).click();
  await plain.goto(`${BASE}/api-tokens`);
  await plain.getByRole('button', { name: 'Delete token second-doomed' }).click();
  await plain.getByRole('heading', { name: 'Delete the API token “second-doomed”?' }).waitFor();
  await plain.getByText('Nothing has been changed yet.').waitFor();
  await screenshots(plain, 'confirm-page');
  await plain.getByRole('link', { name: 'Cancel' }).click();
  await plain.getByRole('row', { name: /second-doomed/ }).waitFor();
  await plain.getByRole('button', { name: 'Delete token second-doomed' }).click();
  await plain.getByRole('button', { name: 'Delete token' }).click();
  await plain.getByRole('status').getByText('Deleted the API token “second-doomed”.').waitFor();
  // The switch as a plain form.
  await plain.goto(`${BASE}/projects/${PROJECT}/features`);
  await plain.getByRole('switch', { name: `${FLAG} in production` }).click();
  await plain.getByRole('status').getByText(`Switched ${FLAG} on in production.`).waitFor();
  await plain.getByRole('switch', { name: `${FLAG} in production`, checked: true }).waitFor();
  assert.equal(await enabledIn(BASE, PROJECT, FLAG, 'production'), true);
  await plain.getByRole('switch', { name: `${FLAG} in production` }).click();
  await plain.getByRole('switch', { name: `${FLAG} in production`, checked: false }).waitFor();
  assert.equal(await enabledIn(BASE, PROJECT, FLAG, 'production'), false);
  await context.close();

  step('with JavaScript on a phone: the menu button opens and closes the menu');
  await page.setViewportSize({ width: 390, height: 800 });
  await page.goto(`${BASE}/projects/${PROJECT}/features`);
  const phoneEvents = page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Events' });
  assert.equal(await phoneEvents.isVisible(), false, 'folded');
  await page.getByText('Menu', { exact: true }).click();
  await phoneEvents.waitFor();
  await page.keyboard.press('Escape');
  await phoneEvents.waitFor({ state: 'hidden' });
  await page.setViewportSize({ width: 1280, height: 900 });
  await phoneEvents.waitFor();
}
