// The guide once more with JavaScript disabled (issue 22): every form posts
// and every change is a Post/Redirect/Get with its notice, so a browser that
// runs no script still completes it. Sign in, a segment, the flag (a bad name
// refused beside the field, what was typed kept), the strategy form through
// its round trips (the strategy type's fields, the value input an operator
// needs, one more constraint or variant), the 50% rollout as the number,
// the segment, two variants with payloads, a refusal beside its row; the
// settings, the environment tabs and switches as form posts, a delete through
// the confirmation page, metrics, the event log, the playground, archive
// and revive, a webhook integration, a signal endpoint and an action set.
// Each step checks its effect through the page or the admin API. Every page
// shown is checked by axe-core (as the page is, without its scripts) and
// saved at 390 px as `nojs-<name>-390.png`. Imported by ui_e2e.mjs.

import assert from 'node:assert/strict';
import { withoutScript } from './shell_steps.mjs';

// Not a name that contains the JS walk's flag's (locators match names by substring).
const FLAG = 'delete_survey_nojs';
const SEGMENT = 'beta_testers';

export async function noScriptSteps({ browser, BASE, ADMIN_TOKEN, CLIENT_TOKEN, PROJECT, ADMIN, step, screenshots, labelled }) {
  const admin = async (method, path, body) => {
    const response = await fetch(`${BASE}${path}`, {
      method,
      headers: { Authorization: ADMIN_TOKEN, 'Content-Type': 'application/json' },
      body: body && JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  };
  const flagOf = async () => {
    const { status, body } = await admin('GET', `/api/admin/projects/${PROJECT}/features/${FLAG}`);
    assert.equal(status, 200, `${FLAG} through the admin API`);
    return body;
  };
  const environmentOf = async (name) => (await flagOf()).environments.find((e) => e.name === name);

  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 390, height: 900 } });
  const page = await context.newPage();
  withoutScript(page);
  /** Labels, axe-core, no sideways overflow and the 390 px screenshot of the page as it is. */
  const shown = async (name) => {
    await labelled(page, `nojs-${name}`);
    await screenshots(page, `nojs-${name}`, [390]);
  };
  /** The notice the last change left (Post/Redirect/Get), shown once. */
  const notice = async (text) => {
    await page.getByRole('status').getByText(text).waitFor();
  };
  const flagPage = `${BASE}/projects/${PROJECT}/features/${FLAG}`;

  try {
    step('without JavaScript: sign in (a wrong password keeps the username)');
    await page.goto(`${BASE}/login`);
    await page.getByLabel('Username or email').fill(ADMIN.username);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Wrong username or password').waitFor();
    assert.equal(await page.getByLabel('Username or email').inputValue(), ADMIN.username);
    await shown('login');
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${BASE}/projects/${PROJECT}/features`);

    step('without JavaScript: a segment, its constraint rows posted back and forth');
    await page.goto(`${BASE}/segments/new`);
    await page.getByLabel('Name', { exact: true }).fill(SEGMENT);
    await page.getByLabel('Description (optional)').fill('People who try things first');
    await page.locator('#constraint-0-context').selectOption('userId');
    await page.locator('#constraint-0-operator').selectOption('IN');
    // No chips without the script: the list is a textarea, one value a line.
    await page.locator('#constraint-0-values').fill('beta-1\nbeta-2');
    await page.getByRole('button', { name: 'Create segment' }).click();
    await page.waitForURL(/\/segments\/\d+$/);
    await notice(`Saved the segment “${SEGMENT}”.`);
    await shown('segment');
    const segments = (await admin('GET', '/api/admin/segments')).body.segments;
    const segment = segments.find((s) => s.name === SEGMENT);
    assert.ok(segment, `${SEGMENT} through the admin API`);
    assert.deepEqual(
      segment.constraints.map(({ contextName, operator, values }) => ({ contextName, operator, values })),
      [{ contextName: 'userId', operator: 'IN', values: ['beta-1', 'beta-2'] }],
    );

    step('without JavaScript: a new flag; a bad name is refused beside the field, the rest kept');
    await page.goto(`${BASE}/projects/${PROJECT}/features`);
    await page.getByRole('link', { name: 'New flag' }).click();
    await page.getByLabel('Name').fill('not a valid name!');
    await page.getByLabel('Description (optional)').fill('Keeps deleted surveys, without scripts');
    await page.getByRole('button', { name: 'Create flag' }).click();
    await page.locator('#name-error').waitFor();
    assert.equal(await page.getByLabel('Name').inputValue(), 'not a valid name!');
    assert.equal(await page.getByLabel('Description (optional)').inputValue(), 'Keeps deleted surveys, without scripts');
    await shown('new-flag');
    await page.getByLabel('Name').fill(FLAG);
    await page.getByRole('button', { name: 'Create flag' }).click();
    await page.waitForURL(new RegExp(`/projects/${PROJECT}/features(/${FLAG})?$`));
    assert.equal((await flagOf()).description, 'Keeps deleted surveys, without scripts');

    step('without JavaScript: the strategy type\'s fields by a round trip');
    await page.goto(`${flagPage}?environment=development`);
    await page.getByRole('link', { name: 'Add strategy' }).click();
    assert.equal(await page.getByLabel('Rollout (slider)').isVisible(), false, 'no slider without its script');
    await page.getByLabel('Strategy', { exact: true }).selectOption('userWithId');
    await page.getByRole('button', { name: "Show this strategy's fields" }).click();
    await page.locator('[name="p_userIds"]').waitFor();
    assert.equal(await page.getByLabel('Rollout in %').count(), 0);
    await page.getByLabel('Strategy', { exact: true }).selectOption('flexibleRollout');
    await page.getByRole('button', { name: "Show this strategy's fields" }).click();

    step('without JavaScript: the 50% rollout as the number, constraints, the segment, two variants');
    await page.getByLabel('Rollout in %').fill('50');
    await page.getByLabel('Stickiness', { exact: true }).selectOption('sessionId');
    await page.getByLabel('groupId').fill('delete_survey_flag');
    await page.getByRole('button', { name: 'Add constraint' }).click();
    await page.locator('#constraint-0-context').selectOption('environment');
    await page.locator('#constraint-0-operator').selectOption('NOT_IN');
    await page.locator('#constraint-0-values').fill('production');
    // A second row whose operator takes one date: the server re-draws its value input.
    await page.getByRole('button', { name: 'Add constraint' }).click();
    await page.locator('#constraint-1-context').selectOption('currentTime');
    await page.locator('#constraint-1-operator').selectOption('DATE_AFTER');
    assert.equal(await page.locator('#constraint-1-values').evaluate((el) => el.tagName), 'TEXTAREA');
    await page.getByRole('button', { name: 'Update the value inputs' }).click();
    assert.equal(await page.locator('#constraint-1-values').getAttribute('type'), 'datetime-local');
    assert.equal(await page.locator('label[for="constraint-1-values"]').innerText(), 'Value (UTC)');
    assert.equal(await page.locator('#constraint-2-values').count(), 0, 're-drawn without one more row');
    await page.locator('#constraint-1-values').fill('2024-01-01T00:00');
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
    // Every round trip kept what was typed before it.
    assert.equal(await page.getByLabel('Rollout in %').inputValue(), '50');
    assert.equal(await page.locator('#constraint-0-values').inputValue(), 'production');
    assert.equal(await page.locator('#v0_payload').inputValue(), '{"keep": true}');
    assert.equal(await page.getByLabel(SEGMENT).isChecked(), true);
    await shown('strategy-form');
    await page.locator('#v1_payload').fill('{not json');
    await page.getByRole('button', { name: 'Save strategy' }).first().click();
    await page.locator('#v1-error').waitFor();
    assert.equal(await page.locator('#v1_payload').inputValue(), '{not json');
    assert.equal(await page.locator('#constraint-1-values').inputValue(), '2024-01-01T00:00');
    await shown('strategy-refused');
    await page.locator('#v1_payload').fill('{"keep": false}');
    await page.getByRole('button', { name: 'Save strategy' }).first().click();
    await page.waitForURL(new RegExp(`/projects/${PROJECT}/features/${FLAG}`));
    await notice('Saved the strategy in development.');
    const [strategy] = (await environmentOf('development')).strategies;
    assert.equal(strategy.name, 'flexibleRollout');
    // The other type's field is gone with it: no extra parameter.
    assert.deepEqual(strategy.parameters, { rollout: '50', stickiness: 'sessionId', groupId: 'delete_survey_flag' });
    assert.deepEqual(
      strategy.constraints.map(({ contextName, operator, values, value }) => ({
        contextName, operator, values: values ?? [], value: value ?? null,
      })),
      [
        { contextName: 'environment', operator: 'NOT_IN', values: ['production'], value: null },
        // The date-time input is read as UTC.
        { contextName: 'currentTime', operator: 'DATE_AFTER', values: [], value: '2024-01-01T00:00:00Z' },
      ],
    );
    assert.deepEqual(strategy.segments, [segment.id]);
    assert.deepEqual(
      strategy.variants.map(({ name, stickiness, payload }) => ({ name, stickiness, payload })),
      [
        { name: 'permanently_delete_surveys', stickiness: 'sessionId', payload: { type: 'json', value: '{"keep": false}' } },
        { name: 'store_deleted_surveys', stickiness: 'sessionId', payload: { type: 'json', value: '{"keep": true}' } },
      ],
    );
    await page.reload();
    assert.equal(await page.getByRole('status').getByText('Saved the strategy').count(), 0, 'the notice is shown once');

    step('without JavaScript: impression data in the settings');
    await page.getByRole('navigation', { name: 'Flag' }).getByRole('link', { name: 'Settings' }).click();
    await page.getByLabel(/Impression data/).check();
    await page.getByRole('button', { name: 'Save settings' }).click();
    await notice(/^Saved/);
    await shown('settings');
    assert.equal((await flagOf()).impressionData, true);

    step('without JavaScript: the environment tabs, and each switch a form post');
    await page.goto(`${flagPage}?environment=development`);
    await page.getByRole('navigation', { name: 'Environments' }).getByRole('link', { name: /^production/ }).click();
    await page.getByRole('heading', { level: 2, name: 'production' }).waitFor();
    await page.getByRole('switch', { name: `${FLAG} in production` }).click();
    await notice(`Switched ${FLAG} on in production.`);
    await page.getByRole('switch', { name: `${FLAG} in production`, checked: true }).waitFor();
    assert.equal((await environmentOf('production')).enabled, true);
    assert.equal((await environmentOf('development')).enabled, false);
    await page.getByRole('switch', { name: `${FLAG} in production` }).click();
    await page.getByRole('switch', { name: `${FLAG} in production`, checked: false }).waitFor();
    assert.equal((await environmentOf('production')).enabled, false);
    await page.getByRole('navigation', { name: 'Environments' }).getByRole('link', { name: /^development/ }).click();
    await page.getByRole('switch', { name: `${FLAG} in development` }).click();
    await notice(`Switched ${FLAG} on in development.`);
    assert.equal((await environmentOf('development')).enabled, true);
    await shown('flag');

    step('without JavaScript: a delete asks on its own page; Cancel keeps, confirming deletes');
    await page.getByRole('navigation', { name: 'Environments' }).getByRole('link', { name: /^production/ }).click();
    // Switched on, production got the default strategy (as Unleash does); one more, to delete.
    const before = (await environmentOf('production')).strategies.length;
    await page.getByRole('link', { name: 'Add strategy' }).click();
    await page.getByLabel('Strategy', { exact: true }).selectOption('default');
    await page.getByRole('button', { name: "Show this strategy's fields" }).click();
    await page.getByLabel('Title (optional)').fill('doomed');
    await page.getByRole('button', { name: 'Save strategy' }).first().click();
    await notice('Saved the strategy in production.');
    assert.equal((await environmentOf('production')).strategies.length, before + 1);
    const doomed = `Delete strategy ${before + 1}`;
    await page.getByRole('button', { name: doomed }).click();
    await page.getByRole('heading', { level: 1, name: new RegExp(`^${doomed} .* in production\\?$`) }).waitFor();
    await page.getByText('Nothing has been changed yet.').waitFor();
    await shown('confirm');
    await page.getByRole('link', { name: 'Cancel' }).click();
    await page.getByRole('button', { name: doomed }).waitFor();
    assert.equal((await environmentOf('production')).strategies.length, before + 1);
    await page.getByRole('button', { name: doomed }).click();
    await page.getByRole('button', { name: 'Delete strategy' }).click();
    await notice(/^Deleted/);
    const left = (await environmentOf('production')).strategies;
    assert.equal(left.length, before);
    assert.ok(left.every((s) => s.title !== 'doomed'), 'the confirmed one is gone');

    step('without JavaScript: the metrics tab');
    const now = new Date();
    const sent = await fetch(`${BASE}/api/client/metrics`, {
      method: 'POST',
      headers: { Authorization: CLIENT_TOKEN, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        appName: 'survey-service-nojs',
        instanceId: 'survey-nojs-1',
        bucket: {
          start: new Date(now.getTime() - 60_000).toISOString(),
          stop: now.toISOString(),
          toggles: { [FLAG]: { yes: 3, no: 1, variants: {} } },
        },
      }),
    });
    assert.ok(sent.status === 200 || sent.status === 202, `metrics: ${sent.status}`);
    let counted = false;
    for (let attempt = 0; attempt < 50 && !counted; attempt += 1) {
      await page.goto(`${flagPage}/metrics?hours=1`);
      counted = (await page.getByText('4 exposures: 3 enabled, 1 disabled').count()) > 0;
      if (!counted) await page.waitForTimeout(200);
    }
    assert.ok(counted, 'the metrics tab shows what the SDK sent');
    await shown('metrics');

    step('without JavaScript: the event log, per flag and for everything');
    await page.getByRole('navigation', { name: 'Flag' }).getByRole('link', { name: 'Event log' }).click();
    assert.ok((await page.locator('article.event').count()) >= 5, 'created, strategies, settings, switches');
    await page.getByText('"DATE_AFTER"').first().waitFor();
    await page.goto(`${BASE}/events`);
    await page.locator('article.event', { hasText: FLAG }).first().waitFor();
    await shown('events');

    step('without JavaScript: the playground, and how the flag was decided');
    await page.goto(`${BASE}/playground`);
    await page.getByLabel('Environment', { exact: true }).selectOption('development');
    await page.getByLabel('sessionId').fill('session-7');
    await page.getByLabel(/^Other context fields and properties/).fill('environment=production');
    await page.getByRole('button', { name: 'Evaluate' }).click();
    assert.equal(await page.getByLabel('sessionId').inputValue(), 'session-7', 'the form keeps the context');
    const row = page.getByRole('row').filter({ hasText: FLAG });
    await row.getByText('Off', { exact: true }).waitFor();
    // A <details>: it opens without a script.
    await row.getByText(`How ${FLAG} was decided`).click();
    const canary = row.locator('li').filter({ hasText: /^environment NOT_IN/ });
    assert.match(await canary.innerText(), /production.*: false$/s);
    await shown('playground');

    step('without JavaScript: archive (its own page asks), the archived flag\'s page, revive');
    await page.goto(`${BASE}/projects/${PROJECT}/features`);
    await page.getByRole('link', { name: `Archive ${FLAG}` }).click();
    await page.getByRole('heading', { level: 1, name: `Archive ${FLAG}?` }).waitFor();
    await shown('archive');
    await page.getByRole('button', { name: `Archive ${FLAG}` }).click();
    await notice(`Archived ${FLAG}.`);
    assert.equal((await admin('GET', `/api/admin/projects/${PROJECT}/features/${FLAG}`)).status, 404);
    const archivedList = (await admin('GET', '/api/admin/archive/features')).body.features;
    assert.ok(archivedList.some((f) => f.name === FLAG), 'in the archive');
    await page.getByLabel('Show').selectOption('true');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: FLAG, exact: true }).click();
    await page.waitForURL(new RegExp(`/projects/${PROJECT}/features/${FLAG}$`));
    await page.getByRole('note').getByText('Archived').first().waitFor();
    assert.equal(await page.getByRole('link', { name: 'Edit strategy 1' }).count(), 0, 'read-only');
    await shown('archived-flag');
    await page.getByRole('button', { name: `Revive ${FLAG}` }).click();
    await notice(`Revived ${FLAG}.`);
    const revived = await flagOf();
    assert.equal(revived.archived, false);
    assert.ok(revived.environments.every((e) => !e.enabled), 'revived switched off');

    step('without JavaScript: a webhook integration');
    await page.goto(`${BASE}/integrations`);
    await page.getByRole('link', { name: 'Webhook', exact: true }).click();
    await page.getByLabel('Webhook URL (required)').fill('not a url');
    await page.getByLabel('Description (optional)').fill('nojs receiver');
    await page.getByRole('button', { name: 'Create integration' }).click();
    await page.locator('[aria-invalid="true"]').first().waitFor();
    assert.equal(await page.getByLabel('Description (optional)').inputValue(), 'nojs receiver');
    await page.getByLabel('Webhook URL (required)').fill('http://127.0.0.1:9/nojs-hook');
    // Disabled: nothing listens there, so nothing is sent.
    await page.getByLabel('Enabled (sends events as they happen)').uncheck();
    await page.getByRole('button', { name: 'Create integration' }).click();
    assert.match(await page.getByLabel('Signing secret').inputValue(), /^[0-9a-f]{64}$/);
    await shown('integration');
    const addons = (await admin('GET', '/api/admin/addons')).body.addons;
    // The URL is a secret parameter: the API masks it.
    assert.ok(addons.some((a) => a.provider === 'webhook' && a.description === 'nojs receiver' && !a.enabled));

    step('without JavaScript: a signal endpoint, its token, an action set');
    await page.goto(`${BASE}/signals`);
    await page.getByLabel(/^Name \(letters/).fill('nojs-deploys');
    await page.getByRole('button', { name: 'Create endpoint' }).click();
    await notice(/nojs-deploys/);
    await page.getByLabel("New token's name").last().fill('nojs-ci');
    await page.getByRole('button', { name: 'Create token' }).last().click();
    assert.match(await page.getByLabel('Secret').inputValue(), /^[0-9a-f]{64}$/);
    await page.goto(`${BASE}/signals`);
    await shown('signals');
    const endpoints = (await admin('GET', '/api/admin/signal-endpoints')).body.signalEndpoints;
    const endpoint = endpoints.find((e) => e.name === 'nojs-deploys');
    assert.ok(endpoint, 'the endpoint through the admin API');
    assert.deepEqual(endpoint.tokens.map((t) => t.name), ['nojs-ci']);
    await page.goto(`${BASE}/actions`);
    await page.getByRole('link', { name: 'New action set' }).click();
    await page.getByLabel('Name', { exact: true }).fill('nojs-deploy-turns-on');
    await page.getByLabel('When this signal endpoint receives a signal').selectOption({ label: 'nojs-deploys' });
    await page.getByLabel(/^Payload path/).fill('deployment.status');
    await page.locator('select[name="constraint.0.operator"]').selectOption('IN');
    await page.locator('[name="constraint.0.values"]').fill('done');
    await page.getByLabel('Action', { exact: true }).selectOption('TOGGLE_FEATURE_ON');
    await page.getByLabel('Flag', { exact: true }).fill(FLAG);
    await page.getByLabel('Environment', { exact: true }).selectOption('development');
    await page.getByRole('button', { name: 'Create action set' }).click();
    await page.waitForURL(/\/actions\/default\/\d+$/);
    await shown('action-set');
    const sets = (await admin('GET', `/api/admin/projects/${PROJECT}/actions`)).body.actions;
    const set = sets.find((s) => s.name === 'nojs-deploy-turns-on');
    assert.ok(set, 'the action set through the admin API');
    assert.deepEqual(set.match, {
      source: 'signal-endpoint',
      sourceId: endpoint.id,
      payload: { 'deployment.status': { operator: 'IN', values: ['done'], caseInsensitive: false, inverted: false } },
    });
    assert.deepEqual(set.actions.map((a) => [a.action, a.executionParams]), [
      ['TOGGLE_FEATURE_ON', { project: PROJECT, featureName: FLAG, environment: 'development' }],
    ]);
  } finally {
    await context.close();
  }
}
