// Starts a real Unleash (npm unleash-server, pinned in package-lock.json) for
// crates/flagstaff/tests/edge_unleash.rs and migrate_unleash.rs: on UNLEASH_PORT, against the
// PostgreSQL database UNLEASH_DATABASE (on PGHOST:PGPORT as PGUSER), with an
// admin token and a client token made at first start. Prints "STARTED".
const unleash = require('unleash-server');

unleash
  .start({
    db: {
      host: process.env.PGHOST || '127.0.0.1',
      port: Number(process.env.PGPORT || 5432),
      user: process.env.PGUSER || 'postgres',
      password: process.env.PGPASSWORD || '',
      database: process.env.UNLEASH_DATABASE,
      ssl: false,
    },
    server: { port: Number(process.env.UNLEASH_PORT) },
    authentication: {
      initApiTokens: [
        { environment: '*', project: '*', secret: process.env.UNLEASH_ADMIN_TOKEN, type: 'admin', tokenName: 'admin' },
        { environment: 'development', project: '*', secret: process.env.UNLEASH_CLIENT_TOKEN, type: 'client', tokenName: 'client' },
      ],
    },
    // Environment variants (deprecated: new flags get strategy variants) are
    // still what instances upgraded from older versions have; the migration
    // test makes some.
    experimental: { flags: { enableLegacyVariants: true } },
    logLevel: 'warn',
  })
  .then(() => console.log('STARTED'))
  .catch((error) => {
    console.error(error);
    process.exit(1);
  });
