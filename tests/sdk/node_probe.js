// Drives the real Node SDK (npm `unleash-client`) against a Flagstaff server,
// with the same protocol as python_probe.py (FLAGSTAFF_SDK_FLAGS,
// FLAGSTAFF_SDK_CONTEXTS and FLAGSTAFF_SDK_APP included).
const readline = require('readline');
const { initialize } = require('unleash-client');

const [url, token, flag, usersText] = process.argv.slice(2);
const users = Number(usersText);
// FLAGSTAFF_SDK_MODE: 'full' (GET /api/client/features, the default),
// 'delta' (polling GET /api/client/delta) or 'streaming' (SSE). Streaming
// polls never (a 10-minute interval), so only the stream can bring the update.
const mode = process.env.FLAGSTAFF_SDK_MODE || 'full';
const flags = (process.env.FLAGSTAFF_SDK_FLAGS || flag).split(',');
const contexts = JSON.parse(process.env.FLAGSTAFF_SDK_CONTEXTS || 'null')
  || Array.from({ length: users }, (_, i) => ({ userId: String(i) }));
const experimentalMode = {
  full: { type: 'polling', format: 'full' },
  delta: { type: 'polling', format: 'delta' },
  streaming: { type: 'streaming' },
}[mode];

const unleash = initialize({
  url: `${url}/api`,
  appName: process.env.FLAGSTAFF_SDK_APP || 'flagstaff-sdk-test',
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
  let onContext = null;
  const out = [];
  for (const context of contexts) {
    for (const name of flags) {
      const enabled = unleash.isEnabled(name, context);
      const variant = unleash.getVariant(name, context);
      if (name === flag && enabled && onContext === null) onContext = context;
      out.push(JSON.stringify({ userId: context.userId, flag: name, enabled, variant }));
    }
  }
  process.stdout.write(`${out.join('\n')}\nPHASE1-DONE\n`);
  const rl = readline.createInterface({ input: process.stdin });
  rl.once('line', () => {
    const asked = Date.now();
    const deadline = asked + 20000;
    const poll = setInterval(() => {
      if (!unleash.isEnabled(flag, onContext)) {
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
