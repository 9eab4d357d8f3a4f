// The Node SDK (npm `unleash-client`) pointed at Unleash Edge, whose upstream
// is Flagstaff: prints `READY <enabled>` once synchronised, then
// `CHANGED <enabled> <ms>` the first time the flag's answer changes (or
// `TIMEOUT` after 40 s), evaluating it every 20 ms so metrics flow too.
const { initialize, InMemStorageProvider } = require('unleash-client');

const [url, token, flag] = process.argv.slice(2);

const unleash = initialize({
  url: `${url}/api`,
  appName: 'edge-probe',
  customHeaders: { Authorization: token },
  refreshInterval: 1000,
  metricsInterval: 1000,
  storageProvider: new InMemStorageProvider(),
});
unleash.on('error', (e) => process.stderr.write(`sdk error: ${e}\n`));

unleash.once('synchronized', () => {
  const first = unleash.isEnabled(flag);
  const started = Date.now();
  process.stdout.write(`READY ${first}\n`);
  const poll = setInterval(() => {
    const now = unleash.isEnabled(flag);
    if (now !== first) {
      clearInterval(poll);
      process.stdout.write(`CHANGED ${now} ${Date.now() - started}\n`);
      // Let the last metrics go out before leaving.
      setTimeout(() => { unleash.destroy(); process.exit(0); }, 2500);
    } else if (Date.now() - started > 40000) {
      clearInterval(poll);
      process.stdout.write('TIMEOUT\n');
      unleash.destroy();
      process.exit(0);
    }
  }, 20);
});
