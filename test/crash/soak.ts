// `npm run soak -- --kills N --seed S [--rows MIN,MAX] [--dir DIR] [--real-kdf] [--unbundled] [--verbose]`: the crash harness of
// test/crash/crash.test.ts with more kills. Ends with one summary line; exit code 1 if any rule
// broke (the line names the first one), 0 otherwise.
//
// The register's key slots are made cheap (1 MiB Argon2id, one pass) unless --real-kdf is given:
// each kill costs two unlocks (the child's and the check's), and the point here is kills, not the
// KDF. The switch is the same one vitest sets, and it only ever affects slots made by this run.
import { parseArgs } from 'node:util';
import { runCampaign } from './harness.ts';

const { values } = parseArgs({
  options: {
    kills: { type: 'string', default: '500' },
    rows: { type: 'string', default: '300,1500' },
    seed: { type: 'string', default: String(Date.now() % 1_000_000) },
    dir: { type: 'string' },
    'real-kdf': { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
    unbundled: { type: 'boolean', default: false },
  },
});

const kills = Number(values.kills);
const seed = Number(values.seed);
if (!Number.isInteger(kills) || kills < 1 || !Number.isInteger(seed)) {
  console.error('Использование: npm run soak -- --kills N --seed S [--rows МИН,МАКС] [--dir ПАПКА] [--real-kdf] [--unbundled] [--verbose]');
  process.exit(2);
}
if (!values['real-kdf']) {
  process.env.VITEST ??= 'soak';
  process.env.PRIVACY_DESK_TEST_FAST_KDF = '1';
}

const [minRows, maxRows] = values.rows.split(',').map(Number) as [number, number];
const s = await runCampaign({
  kills,
  seed,
  importRows: [minRows, maxRows],
  dir: values.dir,
  unbundled: values.unbundled,
  keep: values.dir !== undefined,
  log: values.verbose ? (l) => console.log(l) : undefined,
});
const landed = Object.entries(s.landed)
  .sort(([a], [b]) => a.localeCompare(b))
  .map(([k, v]) => `${k}=${v}`)
  .join(' ');
console.log(
  [
    `soak seed=${s.seed}`,
    `kills=${s.kills}`,
    `rounds=${s.rounds}`,
    `clean=${s.cleanExits}`,
    `ops=${s.opsChecked}`,
    `persons=${s.persons}`,
    `audit=${s.auditRows}`,
    `backups=${s.backups.made}`,
    `partials-left=${s.backups.partialsLeft}`,
    `partials-survived-backup=${s.backups.partialsSurvivedBackup}`,
    `partials-still-there=${s.backups.partialsStillThere}`,
    `backups-without-keyring=${s.backups.withoutKeyringCopy}`,
    `keyring-tmp-left=${s.keyring.tmpLeft}`,
    `passwd-audit-ahead=${s.keyring.passwdAuditAhead}`,
    `failed-login-duplicates=${s.keyring.duplicateFailedLogins}`,
    `cpu=${(s.cpuMs / 1000).toFixed(1)}s`,
    `wall=${(s.wallMs / 1000).toFixed(1)}s`,
    `open-retries=${JSON.stringify(s.openRetries)}`,
    `landed: ${landed}`,
    `open-warnings: ${
      Object.entries(s.openWarnings)
        .map(([k, v]) => `${k.replace(/ /g, '-')}=${v}`)
        .join(' ') || 'none'
    }`,
    s.violations.length === 0 ? 'OK' : `FAILED: ${s.violations[0]}`,
  ].join(' '),
);
process.exit(s.violations.length === 0 ? 0 : 1);
