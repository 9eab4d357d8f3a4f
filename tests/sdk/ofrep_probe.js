// Drives the real OpenFeature server SDK with its OFREP provider (npm
// `@openfeature/ofrep-provider`) against a Flagstaff server and prints what it
// resolved, as one JSON line.
const { OpenFeature } = require('@openfeature/server-sdk');
const { OFREPProvider } = require('@openfeature/ofrep-provider');

const [url, token] = process.argv.slice(2);

(async () => {
  await OpenFeature.setProviderAndWait(
    new OFREPProvider({ baseUrl: url, headers: [['Authorization', token]] }),
  );
  const client = OpenFeature.getClient();
  const context = { targetingKey: '7', plan: 'pro' };
  const plain = await client.getBooleanDetails('plain', false, context);
  const plainOther = await client.getBooleanDetails('plain', true, { targetingKey: '8', plan: 'free' });
  const payload = await client.getObjectDetails('with-payload', {}, context);
  const missing = await client.getBooleanDetails('no-such-flag', false, context);
  process.stdout.write(`${JSON.stringify({ plain, plainOther, payload, missing })}\n`);
  await OpenFeature.close();
})().catch((e) => {
  process.stderr.write(`${e.stack || e}\n`);
  process.exit(1);
});
