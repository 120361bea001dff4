/**
 * publish's settings: its own flags (each with a PUBLISH_* variable where a CronJob would
 * set it), plus the upstream and rendering settings every mode shares. Kept apart from the
 * resolver and the run so that registering the command (on every CLI start) loads neither.
 */
import { PROVIDERS } from '../checks/providers/names.js';
import { GatewayError } from '../core/errors.js';
import { renderingSettings } from '../core/rendering-settings.js';
import * as kind from '../core/setting-kinds.js';
import { type CommandSettings, setting } from '../core/setting-table.js';
import { upstreamSettings } from '../core/upstream-settings.js';
import { checkIssuerUrl } from '../core/validate.js';
import { type Destination, parseDestination } from '../stores/destination.js';

const destination = kind.parsed<Destination>(
  's3://bucket/prefix, gs://bucket/prefix, az://account/container/prefix, a folder or file:// URL',
  parseDestination,
  (value) => value.description,
);

/** The base URL of the issuer as the public sees it: no query or fragment, no trailing slash. */
const publicBaseUrl = kind.parsed(
  'https or http URL',
  (raw, name) => {
    const url = kind.checkUrl(raw, name, ['https:', 'http:']);
    if (/[?#]/.test(url)) {
      throw kind.invalid(name, raw, 'has a query or fragment; give the base URL of the issuer');
    }
    return url.replace(/\/+$/, '');
  },
  (value) => value,
);

/**
 * An issuer as the published discovery document will carry it, checked by the same rule as
 * any discovery document's (https, no query or credentials, written canonically): relying
 * parties compare it byte for byte with every token's iss.
 */
const issuerUrl = kind.parsed(
  'canonical https URL',
  (raw, name) => {
    const problem = checkIssuerUrl(raw, 'issuer');
    if (problem) throw new GatewayError('CONFIG_INVALID', `invalid ${name}: ${problem}`);
    return raw;
  },
  (value) => value,
);

const YEAR_MS = 366 * 86400 * 1000;

export const publishSettings = {
  dest: setting({
    flag: 'dest',
    env: 'PUBLISH_DEST',
    describe:
      's3://bucket/prefix, gs://bucket/prefix, az://account/container/prefix, a folder or file:// URL; repeat for several (env: comma- or space-separated)',
    kind: kind.list(destination, { unique: (value) => value.description }),
    default: undefined,
  }),
  fromKeys: setting({
    flag: 'from-keys',
    describe:
      'Build the documents from these PEM key files (as --service-account-key-file) instead of a cluster',
    kind: kind.list(kind.text()),
    default: undefined,
  }),
  issuer: setting({
    flag: 'issuer',
    env: 'PUBLISH_ISSUER',
    describe:
      'The issuer to publish as (a --service-account-issuer URL): required with --from-keys; from a cluster, its key set published as this issuer instead of the one its discovery document names (issuer migration)',
    kind: issuerUrl,
    default: undefined,
  }),
  maxAge: setting({
    flag: 'max-age',
    env: 'PUBLISH_MAX_AGE',
    describe: 'Cache-Control max-age of the published objects, in seconds',
    kind: kind.integer(0, 31536000),
    default: 300,
  }),
  retainRemovedKeys: setting({
    flag: 'retain-removed-keys',
    env: 'PUBLISH_RETAIN_REMOVED_KEYS',
    describe: 'Keep publishing a key this long after it left the cluster (e.g. 24h, 90m; 0 disables)',
    // A year is longer than any sensible token lifetime; more is a typo.
    kind: kind.duration(YEAR_MS, 'a year'),
    default: 24 * 3600 * 1000,
  }),
  publicRead: setting({
    flag: 'public-read',
    env: 'PUBLISH_PUBLIC_READ',
    describe: 'Write with the public-read ACL (buckets that use ACLs; otherwise use a bucket policy)',
    kind: kind.boolean(),
    default: false,
  }),
  dryRun: setting({
    flag: 'dry-run',
    describe: 'Print what would change (kids and bytes) and write nothing',
    kind: kind.boolean(),
    default: false,
  }),
  output: setting({
    flag: 'output',
    env: 'PUBLISH_OUTPUT',
    describe: 'text (one line per object) or json (a machine-readable report)',
    kind: kind.choice(['text', 'json']),
    default: 'text',
  }),
  checkPublicUrl: setting({
    flag: 'check-public-url',
    env: 'PUBLISH_CHECK_PUBLIC_URL',
    describe: 'After writing, fetch the documents anonymously below this base URL and compare the bytes',
    kind: kind.list(publicBaseUrl),
    default: [],
  }),
  ca: setting({
    flag: 'ca',
    env: 'PUBLISH_CA',
    describe:
      'PEM file of a CA trusted, besides the system store, by --check-public-url and --verify (private setups)',
    kind: kind.text(),
    default: undefined,
  }),
  verify: setting({
    flag: 'verify',
    env: 'PUBLISH_VERIFY',
    describe:
      'After writing, run the verify checks against each --check-public-url, as a relying party would',
    kind: kind.boolean(),
    default: false,
  }),
  provider: setting({
    flag: 'provider',
    env: 'PUBLISH_PROVIDER',
    describe:
      "Check what is published against this relying party's documented limits (aws, gcp, azure); a broken rule is a warning",
    kind: kind.list(kind.choice(PROVIDERS)),
    default: [],
  }),
  verifyAllowPrivate: setting({
    flag: 'verify-allow-private',
    describe:
      'With --verify: a private or cluster-internal issuer or jwks_uri host is a warning (test setups)',
    kind: kind.boolean(),
    default: false,
  }),
  storeTimeoutSeconds: setting({
    flag: 'store-timeout-seconds',
    env: 'PUBLISH_STORE_TIMEOUT_SECONDS',
    describe:
      'Deadline of each store call (HEAD, GET, PUT, retries included), in seconds; past it the run fails (STORE_TIMEOUT)',
    kind: kind.integer(1, 300),
    default: 30,
  }),
  s3Endpoint: setting({
    flag: 's3-endpoint',
    env: 'AWS_ENDPOINT_URL_S3',
    describe: 'S3-compatible endpoint (MinIO, Ceph, R2) instead of AWS',
    kind: kind.url(['https:', 'http:']),
    default: undefined,
  }),
  s3ForcePathStyle: setting({
    flag: 's3-force-path-style',
    env: 'PUBLISH_S3_FORCE_PATH_STYLE',
    describe: 'Path-style S3 URLs (<endpoint>/<bucket>/<key>), as most S3-compatible stores need',
    kind: kind.boolean(),
    default: false,
  }),
  s3Region: setting({
    flag: 's3-region',
    describe: 'S3 region, instead of the SDK chain (AWS_REGION, the profile)',
    kind: kind.text(),
    default: undefined,
  }),
  azureEndpoint: setting({
    flag: 'azure-endpoint',
    describe:
      'Azure Blob endpoint instead of https://<account>.blob.core.windows.net (sovereign clouds, emulators)',
    kind: kind.url(['https:', 'http:']),
    default: undefined,
  }),
};

/** Every table publish reads, in `--help` order. */
export const publishCommandSettings: CommandSettings = [
  { table: publishSettings },
  { table: upstreamSettings, group: 'Upstream (ignored with --from-keys):' },
  { table: renderingSettings, group: 'Rendering:' },
];
