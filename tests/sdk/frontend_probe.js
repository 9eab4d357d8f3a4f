// Drives the real browser SDK (npm `unleash-proxy-client`, here in Node with its
// fetch) against a Flagstaff server's frontend API.
// Protocol (crates/flagstaff/tests/sdk.rs): prints one JSON line with what the SDK
// sees for user 7, then `PHASE1-DONE`; waits for a line on stdin; then waits
// until the SDK sees the flag off and prints `UPDATED` (or `TIMEOUT`).
const readline = require('readline');
const { UnleashClient, InMemoryStorageProvider } = require('unleash-proxy-client');

const [url, token, flag] = process.argv.slice(2);
const client = new UnleashClient({
  url: `${url}/api/frontend`,
  clientKey: token,
  appName: 'flagstaff-frontend-test',
  refreshInterval: 1,
  metricsInterval: 1,
  context: { userId: '7', properties: { plan: 'pro' } },
  storageProvider: new InMemoryStorageProvider(),
});
client.on('error', (e) => process.stderr.write(`sdk error: ${e}\n`));

client.once('ready', () => {
  const seen = {
    enabled: client.isEnabled(flag),
    variant: client.getVariant(flag),
    toggles: client.getAllToggles().map((t) => t.name).sort(),
  };
  process.stdout.write(`${JSON.stringify(seen)}\nPHASE1-DONE\n`);
  const rl = readline.createInterface({ input: process.stdin });
  rl.once('line', () => {
    const deadline = Date.now() + 20000;
    const poll = setInterval(() => {
      if (!client.isEnabled(flag)) {
        clearInterval(poll);
        process.stdout.write('UPDATED\n');
        client.stop();
        process.exit(0);
      } else if (Date.now() > deadline) {
        clearInterval(poll);
        process.stdout.write('TIMEOUT\n');
        client.stop();
        process.exit(0);
      }
    }, 200);
  });
});
client.start();
