// Drives the real Node SDK (npm `unleash-client`) against a Flagstaff server,
// with the same protocol as python_probe.py (FLAGSTAFF_SDK_FLAGS included).
const readline = require('readline');
const { initialize } = require('unleash-client');

const [url, token, flag, usersText] = process.argv.slice(2);
const users = Number(usersText);
// FLAGSTAFF_SDK_MODE: 'full' (GET /api/client/features, the default),
// 'delta' (polling GET /api/client/delta) or 'streaming' (SSE). Streaming
// polls never (a 10-minute interval), so only the stream can bring the update.
const mode = process.env.FLAGSTAFF_SDK_MODE || 'full';
const flags = (process.env.FLAGSTAFF_SDK_FLAGS || flag).split(',');
const experimentalMode = {
  full: { type: 'polling', format: 'full' },
  delta: { type: 'polling', format: 'delta' },
  streaming: { type: 'streaming' },
}[mode];

const unleash = initialize({
  url: `${url}/api`,
  appName: 'flagstaff-sdk-test',
  environment: 'production',
  customHeaders: { Authorization: token },
  refreshInterval: mode === 'streaming' ? 600000 : 1000,
  experimentalMode,
  metricsInterval: 1000,
  storageProvider: new (require('unleash-client').InMemStorageProvider)(),
});

unleash.on('error', (e) => process.stderr.write(`sdk error: ${e}\n`));
unleash.on('warn', (e) => process.stderr.write(`sdk warning: ${e}\n`));
unleash.on('mode', (m) => process.stderr.write(`sdk mode change: ${JSON.stringify(m)}\n`));

unleash.once('synchronized', () => {
  let onUser = null;
  const out = [];
  for (let i = 0; i < users; i += 1) {
    const context = { userId: String(i) };
    for (const name of flags) {
      const enabled = unleash.isEnabled(name, context);
      const variant = unleash.getVariant(name, context);
      if (name === flag && enabled && onUser === null) onUser = String(i);
      out.push(JSON.stringify({ userId: String(i), flag: name, enabled, variant }));
    }
  }
  process.stdout.write(`${out.join('\n')}\nPHASE1-DONE\n`);
  const rl = readline.createInterface({ input: process.stdin });
  rl.once('line', () => {
    const asked = Date.now();
    const deadline = asked + 20000;
    const poll = setInterval(() => {
      if (!unleash.isEnabled(flag, { userId: onUser })) {
        clearInterval(poll);
        // How long after the change the SDK answered differently (ms).
        process.stdout.write(`UPDATED ${Date.now() - asked}\n`);
        unleash.destroy();
        process.exit(0);
      } else if (Date.now() > deadline) {
        clearInterval(poll);
        process.stdout.write('TIMEOUT\n');
        unleash.destroy();
        process.exit(0);
      }
    }, 5);
  });
});
