// The web UI end to end in Debian's headless Chromium (playwright-core), the
// way a user walks the Unleash guide: first-run setup, sign in, create a flag,
// edit its strategy, variants and settings, switch it on, read its metrics and
// events, run the playground; a Viewer changes nothing; a form without its
// CSRF token is refused. Started by crates/flagstaff/tests/browser.rs, which
// passes the server and tokens in the environment and checks the stored
// result through the APIs afterwards. Screenshots of every main page at 1280
// and 390 px go to FLAGSTAFF_SCREENSHOTS; axe-core checks each of them and
// fails on a serious or critical violation. The shell's steps (switches,
// confirmations, notices, the phone menu) are in shell_steps.mjs; the guide
// once more with JavaScript disabled in nojs_steps.mjs.

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { nameCheckSteps, strategyFormSteps } from './forms_steps.mjs';
import { noScriptSteps } from './nojs_steps.mjs';
import { screensSteps } from './screens_steps.mjs';
import { accessible, shellSteps, violations } from './shell_steps.mjs';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const BASE = env('FLAGSTAFF_BASE');
const SETUP_CODE = env('FLAGSTAFF_SETUP_CODE');
const CLIENT_TOKEN = env('FLAGSTAFF_CLIENT_TOKEN');
const ADMIN_TOKEN = env('FLAGSTAFF_ADMIN_TOKEN');
const SCREENSHOTS = env('FLAGSTAFF_SCREENSHOTS');
const CHROMIUM = process.env.FLAGSTAFF_TEST_CHROMIUM || '/usr/bin/chromium';

const ADMIN = { username: 'ada', password: 'correct horse battery staple' };
const VIEWER = { username: 'victor', password: 'viewer password 123' };
const FLAG = 'delete_survey_flag';
const SEGMENT = 'staff';
const PROJECT = 'default';
const WIDTHS = [1280, 390];

mkdirSync(SCREENSHOTS, { recursive: true });

const step = (text) => process.stdout.write(`step: ${text}\n`);

/** The current page at both widths (or `widths`), full length, as `<name>-<width>.png`. */
async function screenshots(page, name, widths = WIDTHS) {
  const size = page.viewportSize();
  for (const width of widths) {
    await page.setViewportSize({ width, height: 900 });
    // Nothing may stick out sideways at either width (a wide table scrolls
    // inside its own .scroll box, which must fit).
    const { overflow, culprit } = await page.evaluate(() => {
      const root = document.documentElement;
      const wide = [...document.querySelectorAll('body *')]
        .filter((el) => !el.parentElement.closest('.scroll'))
        .filter((el) => el.getBoundingClientRect().right > root.clientWidth + 1)
        .map((el) => el.outerHTML.slice(0, 160));
      return { overflow: root.scrollWidth - root.clientWidth, culprit: wide[0] };
    });
    assert.ok(overflow <= 1, `${name} is ${overflow}px wider than a ${width}px window: ${culprit}`);
    await accessible(page, `${name} at ${width}px`);
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
    // A current SDK: segments by id, not inlined into the strategies.
    headers: { Authorization: CLIENT_TOKEN, 'Unleash-Client-Spec': '5.2.0' },
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

  step('a segment with a constraint, on the segments screen');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Segments' }).click();
  await page.goto(`${BASE}/segments/new`);
  await page.getByLabel('Name', { exact: true }).fill(SEGMENT);
  await page.getByLabel('Description (optional)').fill('Our own staff');
  // The form starts with one empty constraint row; a list's values are chips.
  await page.locator('#constraint-0-context').selectOption('userId');
  await page.locator('#constraint-0-operator').selectOption('IN');
  await page.locator('#constraint-0-values-entry').fill('staff-1, staff-2,');
  await page.getByRole('button', { name: 'Create segment' }).click();
  await page.waitForURL(/\/segments\/\d+$/);
  await labelled(page, 'segment');
  await screenshots(page, 'segment');

  step('create a flag; a taken or bad name is refused next to the field');
  await page.goto(`${BASE}/projects/${PROJECT}/features`);
  await page.getByRole('link', { name: 'New flag' }).click();
  await page.getByLabel('Name').fill('not a valid name!');
  await page.getByRole('button', { name: 'Create flag' }).click();
  await page.locator('#name-error').waitFor();
  assert.equal(await page.getByLabel('Name').inputValue(), 'not a valid name!');
  await labelled(page, 'new-flag');
  await screenshots(page, 'new-flag');
  await page.getByLabel('Name').fill(FLAG);
  await page.getByLabel('Description (optional)').fill('Keeps deleted surveys');
  await page.getByRole('button', { name: 'Create flag' }).click();
  await page.waitForURL(new RegExp(`/projects/${PROJECT}/features(/${FLAG})?$`));
  await nameCheckSteps(page, { base: BASE, project: PROJECT, takenName: FLAG, step });
  await strategyFormSteps(page, { base: BASE, project: PROJECT, flag: FLAG, step });

  step("the guide's canary: 50% of sessions, not in production, one segment, two variants");
  await page.goto(`${BASE}/projects/${PROJECT}/features/${FLAG}?environment=development`);
  await page.getByRole('link', { name: 'Add strategy' }).click();
  await page.getByLabel('Rollout in %').fill('50');
  await page.getByLabel('Stickiness', { exact: true }).selectOption('sessionId');
  await page.getByLabel('groupId').fill('delete_survey_flag');
  await page.getByRole('button', { name: 'Add constraint' }).click();
  await page.getByLabel('Context field').selectOption('environment');
  await page.getByLabel('Operator').selectOption('NOT_IN');
  await page.getByLabel(/^Values \(press Enter/).fill('production');
  await page.getByLabel(/^Values \(press Enter/).press('Enter');
  await page.getByLabel(SEGMENT).check();
  for (const [i, [name, payload]] of [
    ['store_deleted_surveys', '{"keep": true}'],
    ['permanently_delete_surveys', '{"keep": false}'],
  ].entries()) {
    await page.getByRole('button', { name: 'Add variant' }).click();
    await page.locator(`#v${i}_name`).fill(name);
    await page.locator(`#v${i}_stickiness`).selectOption('sessionId');
    await page.locator(`#v${i}_payload_type`).selectOption('json');
    await page.locator(`#v${i}_payload`).fill(payload);
  }
  await labelled(page, 'strategy-form');
  await screenshots(page, 'strategy-form');
  // A payload that is not JSON: refused next to its row, everything entered kept.
  await page.locator('#v1_payload').fill('{not json');
  await page.getByRole('button', { name: 'Save strategy' }).first().click();
  await page.locator('#v1-error').waitFor();
  assert.equal(await page.locator('#v1_payload').inputValue(), '{not json');
  assert.equal(await page.getByLabel('groupId').inputValue(), 'delete_survey_flag');
  await page.locator('#v1_payload').fill('{"keep": false}');
  await page.getByRole('button', { name: 'Save strategy' }).first().click();
  await page.waitForURL(new RegExp(`/projects/${PROJECT}/features/${FLAG}`));
  await page.getByRole('link', { name: 'Edit strategy 1' }).waitFor();

  step('impression data on, in the Settings tab');
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByLabel(/Impression data/).check();
  await labelled(page, 'settings');
  await screenshots(page, 'settings');
  await page.getByRole('button', { name: /^Save/ }).click();

  step('switch it on in development');
  await page.goto(`${BASE}/projects/${PROJECT}/features/${FLAG}?environment=development`);
  await page.getByRole('switch', { name: `${FLAG} in development` }).click();
  await page.getByRole('status').getByText(`Switched ${FLAG} on in development.`).waitFor();
  await page.getByRole('switch', { name: `${FLAG} in development`, checked: true }).waitFor();
  await labelled(page, 'flag');
  await screenshots(page, 'flag');

  step('what the SDKs get is exactly what was entered');
  const document = await clientFeatures();
  const flag = document.features.find((f) => f.name === FLAG);
  assert.ok(flag, `${FLAG} in the client document`);
  assert.equal(flag.enabled, true);
  assert.equal(flag.impressionData, true);
  assert.equal(flag.description ?? 'Keeps deleted surveys', 'Keeps deleted surveys');
  assert.equal(flag.strategies.length, 1);
  const [strategy] = flag.strategies;
  assert.equal(strategy.name, 'flexibleRollout');
  assert.deepEqual(strategy.parameters, {
    rollout: '50',
    stickiness: 'sessionId',
    groupId: 'delete_survey_flag',
  });
  assert.deepEqual(
    strategy.constraints.map(({ contextName, operator, values, inverted, caseInsensitive }) => ({
      contextName, operator, values, inverted: !!inverted, caseInsensitive: !!caseInsensitive,
    })),
    [{ contextName: 'environment', operator: 'NOT_IN', values: ['production'], inverted: false, caseInsensitive: false }],
  );
  const segment = document.segments.find((s) => s.name === SEGMENT);
  assert.ok(segment, 'the segment is in the document');
  assert.deepEqual(strategy.segments, [segment.id]);
  assert.deepEqual(
    segment.constraints.map(({ contextName, operator, values }) => ({ contextName, operator, values })),
    [{ contextName: 'userId', operator: 'IN', values: ['staff-1', 'staff-2'] }],
  );
  assert.deepEqual(
    strategy.variants.map(({ name, weight, weightType, stickiness, payload }) => ({
      name, weight, weightType, stickiness, payload,
    })),
    // Stored sorted by name, as Unleash stores variants.
    [
      { name: 'permanently_delete_surveys', weight: 500, weightType: 'variable', stickiness: 'sessionId', payload: { type: 'json', value: '{"keep": false}' } },
      { name: 'store_deleted_surveys', weight: 500, weightType: 'variable', stickiness: 'sessionId', payload: { type: 'json', value: '{"keep": true}' } },
    ],
  );

  step('SDK metrics appear in the Metrics tab');
  const now = new Date();
  const metrics = await fetch(`${BASE}/api/client/metrics`, {
    method: 'POST',
    headers: { Authorization: CLIENT_TOKEN, 'Content-Type': 'application/json' },
    body: JSON.stringify({
      appName: 'survey-service',
      instanceId: 'survey-1',
      bucket: {
        start: new Date(now.getTime() - 60_000).toISOString(),
        stop: now.toISOString(),
        toggles: { [FLAG]: { yes: 37, no: 13, variants: { store_deleted_surveys: 20, permanently_delete_surveys: 17 } } },
      },
    }),
  });
  assert.ok(metrics.status === 200 || metrics.status === 202, `metrics: ${metrics.status}`);
  let shown = false;
  for (let attempt = 0; attempt < 50 && !shown; attempt += 1) {
    await page.goto(`${BASE}/projects/${PROJECT}/features/${FLAG}/metrics?hours=1`);
    shown = (await page.getByText('50 exposures: 37 enabled, 13 disabled').count()) > 0;
    if (!shown) await page.waitForTimeout(200);
  }
  assert.ok(shown, 'the metrics tab shows the counts the SDK sent');
  assert.equal(await page.locator('svg.chart').count(), 1);
  await page.getByText(/\b74(\.0)?%/).first().waitFor();
  await page.getByText('survey-service').first().waitFor();
  await labelled(page, 'metrics');
  await screenshots(page, 'metrics');

  step('the event log shows each change with its diff, under the user');
  await page.getByRole('link', { name: 'Event log' }).click();
  const events = page.locator('article.event');
  assert.ok((await events.count()) >= 4, 'created, strategy added, settings, switched on');
  assert.ok((await page.locator('pre.diff .line.added').count()) > 0, 'added lines in the diffs');
  await page.getByText(ADMIN.username).first().waitFor();
  await page.getByText('"NOT_IN"').first().waitFor();
  await screenshots(page, 'flag-events');
  await page.goto(`${BASE}/events`);
  await labelled(page, 'events');
  await screenshots(page, 'events');

  step('the playground says what each flag gives and why');
  await page.goto(`${BASE}/playground`);
  await page.getByLabel('Environment', { exact: true }).selectOption('development');
  await page.getByLabel('sessionId').fill('session-42');
  await page.getByLabel(/^Other context fields and properties/).fill('environment=production');
  await page.getByRole('button', { name: 'Evaluate' }).click();
  const row = page.getByRole('row').filter({ hasText: FLAG });
  await row.getByText('Off', { exact: true }).waitFor();
  await row.getByText(`How ${FLAG} was decided`).click();
  // environment=production set the context's environment: the canary's constraint is false.
  const canary = row.locator('li').filter({ hasText: /^environment NOT_IN/ });
  assert.match(await canary.innerText(), /production.*: false$/s);
  await labelled(page, 'playground');
  await screenshots(page, 'playground');

  step('the other screens');
  for (const [path, name] of [
    ['/context', 'context'],
    ['/projects', 'projects'],
    ['/environments', 'environments'],
    ['/applications', 'applications'],
    ['/api-tokens', 'api-tokens'],
    [`/projects/${PROJECT}/features/${FLAG}/variants`, 'variants'],
  ]) {
    await page.goto(`${BASE}${path}`);
    assert.equal(new URL(page.url()).pathname, path.split('?')[0]);
    await labelled(page, name);
    await screenshots(page, name);
  }

  await screensSteps(page, { BASE, ADMIN_TOKEN, PROJECT, step, screenshots, labelled });

  step('create a Viewer on the users screen');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click();
  await page.getByLabel('Username').fill(VIEWER.username);
  await page.getByLabel('Password (at least 10 characters').fill(VIEWER.password);
  await page.getByLabel('Role', { exact: true }).selectOption('Viewer');
  await page.getByRole('button', { name: 'Create user' }).click();
  await page.getByRole('cell', { name: VIEWER.username, exact: true }).waitFor();

  step("change a user's role on the users screen (and back)");
  for (const role of ['Editor', 'Viewer']) {
    await page.getByLabel(`Role of ${VIEWER.username}`, { exact: true }).selectOption(role);
    await page.getByRole('button', { name: `Change the role of ${VIEWER.username}` }).click();
    await page.getByRole('status').filter({ hasText: `${VIEWER.username} is now ${role}` }).waitFor();
    const users = await (await fetch(`${BASE}/api/admin/user-admin`, {
      headers: { Authorization: ADMIN_TOKEN },
    })).json();
    const viewer = users.users.find((u) => u.username === VIEWER.username);
    assert.equal(viewer.rootRole, { Admin: 1, Editor: 2, Viewer: 3 }[role]);
  }
  await labelled(page, 'users');
  await screenshots(page, 'users');

  await shellSteps({ browser, page, step, screenshots, BASE, FLAG, PROJECT, ADMIN });

  await noScriptSteps({ browser, BASE, ADMIN_TOKEN, CLIENT_TOKEN, PROJECT, ADMIN, step, screenshots, labelled });

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
  // On a phone the flags list itself fits: its box does not scroll sideways.
  await page.setViewportSize({ width: 390, height: 900 });
  const sideways = await page.evaluate(() => {
    const box = document.querySelector('table.flags').closest('.scroll');
    return box.scrollWidth - box.clientWidth;
  });
  assert.ok(sideways <= 1, `the flags list scrolls ${sideways}px sideways at 390px`);
  await page.setViewportSize({ width: 1280, height: 900 });
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
  assert.equal(await viewer.getByRole('switch').count(), 0);
  assert.equal(await viewer.locator('a[href="/users"]').count(), 0);
  assert.equal(await viewer.getByRole('link', { name: 'New flag' }).count(), 0);
  await viewer.goto(`${BASE}/projects/${PROJECT}/features/${FLAG}?environment=development`);
  assert.equal(await viewer.getByRole('link', { name: 'Edit strategy 1' }).count(), 0);
  assert.equal(await viewer.getByRole('switch').count(), 0);
  const viewerCsrf = await viewer.locator('input[name=_csrf]').first().inputValue();
  const viewerPost = await viewerContext.request.post(
    `${BASE}/projects/${PROJECT}/features/${FLAG}/environments/development/toggle`,
    { form: { enabled: 'true', _csrf: viewerCsrf }, maxRedirects: 0 },
  );
  assert.equal(viewerPost.status(), 403);
  const users = await viewerContext.request.get(`${BASE}/users`, { maxRedirects: 0 });
  assert.equal(users.status(), 403);
  assert.deepEqual(await clientFeatures(), before);

  step("a Viewer's personal access token reads the admin API and changes nothing");
  await viewer.goto(`${BASE}/profile`);
  await viewer.getByLabel('Description').fill('my scripts');
  const nextYear = `${new Date().getUTCFullYear() + 1}-01-31`;
  await viewer.getByLabel(/^Expires at the end of/).fill(nextYear);
  await viewer.getByRole('button', { name: 'Create token' }).click();
  const pat = (await viewer.locator('code.secret').textContent()).trim();
  assert.match(pat, /^user:/);
  const asViewer = (method, path, body) =>
    fetch(`${BASE}${path}`, {
      method,
      headers: { Authorization: pat, 'Content-Type': 'application/json' },
      body: body && JSON.stringify(body),
    });
  assert.equal((await asViewer('GET', `/api/admin/projects/${PROJECT}/features/${FLAG}`)).status, 200);
  for (const [method, path, body] of [
    ['POST', `/api/admin/projects/${PROJECT}/features/${FLAG}/environments/development/off`],
    ['POST', `/api/admin/projects/${PROJECT}/features`, { name: 'viewer-made' }],
    ['PATCH', `/api/admin/projects/${PROJECT}/features/${FLAG}`, [{ op: 'replace', path: '/description', value: 'x' }]],
    ['DELETE', `/api/admin/projects/${PROJECT}/features/${FLAG}`],
  ]) {
    const refusedByApi = await asViewer(method, path, body);
    assert.equal(refusedByApi.status, 403, `${method} ${path}`);
    assert.ok((await refusedByApi.json()).message, 'an Unleash error body');
  }
  await screenshots(viewer, 'profile-viewer');
  assert.deepEqual(await clientFeatures(), before);
  await viewerContext.close();

  assert.deepEqual(scriptErrors, [], 'no script errors or CSP violations in the console');
  assert.deepEqual(violations, [], 'no serious or critical axe-core violation on any screen');
  step('done');
} finally {
  await browser.close();
}
