// The integrations, signals and actions screens in the browser, as a user
// sets them up: a webhook integration to a local receiver (started here),
// a test sent and seen in the delivery log; a signal endpoint and its token,
// an action set that switches a flag on when a signal matches, a signal
// posted with the token (over HTTP, as another system would), the flag on
// and the run listed. Imported by ui_e2e.mjs, which passes its helpers.

import assert from 'node:assert/strict';
import { createServer } from 'node:http';

/** A local HTTP receiver: records every request's body and headers, answers 200. */
async function startReceiver() {
  const received = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => { body += chunk; });
    request.on('end', () => {
      received.push({ headers: request.headers, body });
      response.writeHead(200, { 'Content-Type': 'text/plain' });
      response.end('ok');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}/hook`, received, close: () => server.close() };
}

/** Reloads `page` until `locator` is visible (at most 20 s). */
async function reloadUntil(page, locator) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (await locator.count() > 0) return;
    assert.ok(Date.now() < deadline, `not shown after 20 s: ${locator}`);
    await page.waitForTimeout(200);
    await page.reload();
  }
}

export async function screensSteps(page, { BASE, ADMIN_TOKEN, PROJECT, step, screenshots, labelled }) {
  const admin = (method, path, body) =>
    fetch(`${BASE}${path}`, {
      method,
      headers: { Authorization: ADMIN_TOKEN, 'Content-Type': 'application/json' },
      body: body && JSON.stringify(body),
    });

  step('a webhook integration to a local receiver, a test sent, the delivery log');
  const receiver = await startReceiver();
  try {
    await page.goto(`${BASE}/integrations`);
    await labelled(page, 'integrations');
    await page.getByRole('link', { name: 'Webhook', exact: true }).click();
    await page.getByLabel('Webhook URL (required)').fill(receiver.url);
    await page.getByLabel('Description (optional)').fill('audit receiver');
    // Event kinds are picked, not typed: untick all but two.
    for (const box of await page.locator('fieldset.events input[type=checkbox]').all()) {
      await box.uncheck();
    }
    await page.getByLabel('feature-created', { exact: true }).check();
    await page.getByLabel('feature-environment-enabled', { exact: true }).check();
    await labelled(page, 'integration-new');
    await page.getByRole('button', { name: 'Create integration' }).click();
    const secret = await page.getByLabel('Signing secret').inputValue();
    assert.match(secret, /^[0-9a-f]{64}$/);
    await page.getByRole('button', { name: 'Send a test' }).click();
    const delivered = page.locator('table.deliveries tr', { hasText: 'addon-test-sent' })
      .filter({ hasText: 'Delivered' });
    await reloadUntil(page, delivered);
    assert.match(await delivered.first().innerText(), /HTTP 200/);
    const test = receiver.received.map((r) => JSON.parse(r.body)).find((b) => b.type === 'addon-test-sent');
    assert.ok(test, `the receiver got the test: ${JSON.stringify(receiver.received)}`);
    assert.ok(receiver.received[0].headers['x-flagstaff-signature'].startsWith('sha256='));
    await labelled(page, 'integration');
    await screenshots(page, 'integration');
    await page.goto(`${BASE}/integrations`);
    await screenshots(page, 'integrations');
  } finally {
    receiver.close();
  }

  step('a signal endpoint and its token (the secret shown once)');
  await page.goto(`${BASE}/signals`);
  await page.getByLabel(/^Name \(letters/).fill('deploys');
  await page.getByLabel('Description (optional)').fill('Deployments from CI');
  await page.getByRole('button', { name: 'Create endpoint' }).click();
  await page.getByLabel("New token's name").fill('ci');
  await page.getByRole('button', { name: 'Create token' }).click();
  const token = await page.getByLabel('Secret').inputValue();
  assert.match(token, /^[0-9a-f]{64}$/);

  step('an action set that switches a flag on when a signal matches');
  const FLAG = 'signal_switched_flag';
  assert.equal((await admin('POST', `/api/admin/projects/${PROJECT}/features`, { name: FLAG })).status, 201);
  await page.goto(`${BASE}/actions`);
  await page.getByRole('link', { name: 'New action set' }).click();
  await page.getByLabel('Name', { exact: true }).fill('deploy-turns-on');
  await page.getByLabel('When this signal endpoint receives a signal').selectOption({ label: 'deploys' });
  await page.getByLabel(/^Payload path/).fill('deployment.status');
  await page.locator('select[name="constraint.0.operator"]').selectOption('IN');
  await page.locator('[name="constraint.0.values"]').fill('done');
  await page.getByLabel('Action', { exact: true }).selectOption('TOGGLE_FEATURE_ON');
  await page.getByLabel('Flag', { exact: true }).fill(FLAG);
  await page.getByLabel('Environment', { exact: true }).selectOption('development');
  await labelled(page, 'action-set-new');
  await page.getByRole('button', { name: 'Create action set' }).click();
  await page.waitForURL(/\/actions\/default\/\d+$/);

  step('a signal posted with the token switches the flag on; the run is listed');
  const post = (payload) => fetch(`${BASE}/api/signal-endpoint/deploys`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(payload),
  });
  const enabledIn = async (environment) => {
    const flag = await (await admin('GET', `/api/admin/projects/${PROJECT}/features/${FLAG}`)).json();
    return flag.environments.find((e) => e.name === environment).enabled;
  };
  // A signal that does not match changes nothing.
  assert.equal((await post({ deployment: { status: 'started' } })).status, 202);
  assert.equal(await enabledIn('development'), false);
  assert.equal((await post({ deployment: { status: 'done' } })).status, 202);
  assert.equal(await enabledIn('development'), true);
  await page.reload();
  const run = page.locator('table.runs tr', { hasText: 'success' });
  await run.first().waitFor();
  assert.match(await run.first().innerText(), new RegExp(`Switch a flag on: ${FLAG} in development — success`));
  await labelled(page, 'action-set');
  await screenshots(page, 'action-set');
  await page.goto(`${BASE}/actions`);
  await page.locator('table.runs tr', { hasText: 'success' }).first().waitFor();
  await screenshots(page, 'actions');
  await page.goto(`${BASE}/signals`);
  await page.locator('table.signals tr', { hasText: '"status":"done"' }).first().waitFor();
  await labelled(page, 'signals');
  await screenshots(page, 'signals');
}
