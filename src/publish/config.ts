/**
 * publish's configuration: its own flags (each with a PUBLISH_* variable where a CronJob
 * would set it) plus the upstream and rendering settings every mode shares.
 */
import type { NormalizeOptions } from '../core/documents.js';
import { GatewayError } from '../core/errors.js';
import {
  invalid,
  parseBoolean,
  parseChoice,
  parseInteger,
  parseString,
  parseUrl,
  resolveAll,
  type Setting,
} from '../core/settings.js';
import type { SourceOptions } from '../core/source.js';
import { resolveSourceSettings } from '../core/source-settings.js';
import { type Destination, parseDestination } from '../stores/destination.js';
import type { StoreOptions } from '../stores/open.js';

/** Go-style durations as used by kube flags: 24h, 90m, 1h30m, 45s; a bare number is seconds. */
export function parseDuration(raw: string, name: string): number {
  const text = raw.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text);
  if (!match || text === '')
    throw invalid(name, raw, 'is not a duration (e.g. 24h, 90m, 1h30m, 0 to disable)');
  const [, hours = '0', minutes = '0', seconds = '0'] = match;
  const ms = ((Number(hours) * 60 + Number(minutes)) * 60 + Number(seconds)) * 1000;
  // A year is longer than any sensible token lifetime; more is a typo.
  if (ms > 366 * 86400 * 1000) throw invalid(name, raw, 'is longer than a year');
  return ms;
}

export const publishSettings = {
  dest: {
    flag: 'dest',
    env: 'PUBLISH_DEST',
    describe:
      's3://bucket/prefix, gs://bucket/prefix, a folder or file:// URL; repeat for several (env: comma-separated)',
    default: undefined,
    parse: parseString,
  },
  fromKeys: {
    flag: 'from-keys',
    describe:
      'Build the documents from these PEM key files (as --service-account-key-file) instead of a cluster',
    default: undefined,
    parse: parseString,
  },
  issuer: {
    flag: 'issuer',
    describe: 'The issuer URL (--service-account-issuer), with --from-keys',
    default: undefined,
    parse: parseString,
  },
  maxAge: {
    flag: 'max-age',
    env: 'PUBLISH_MAX_AGE',
    describe: 'Cache-Control max-age of the published objects, in seconds',
    default: '300',
    parse: parseInteger(0, 31536000),
  },
  retainRemovedKeys: {
    flag: 'retain-removed-keys',
    env: 'PUBLISH_RETAIN_REMOVED_KEYS',
    describe: 'Keep publishing a key this long after it left the cluster (e.g. 24h, 90m; 0 disables)',
    default: '24h',
    parse: parseDuration,
  },
  publicRead: {
    flag: 'public-read',
    env: 'PUBLISH_PUBLIC_READ',
    describe: 'Write with the public-read ACL (buckets that use ACLs; otherwise use a bucket policy)',
    default: 'false',
    parse: parseBoolean,
  },
  dryRun: {
    flag: 'dry-run',
    describe: 'Print what would change (kids and bytes) and write nothing',
    default: 'false',
    parse: parseBoolean,
  },
  output: {
    flag: 'output',
    env: 'PUBLISH_OUTPUT',
    describe: 'text (one line per object) or json (a machine-readable report)',
    default: 'text',
    parse: parseChoice(['text', 'json'] as const),
  },
  checkPublicUrl: {
    flag: 'check-public-url',
    env: 'PUBLISH_CHECK_PUBLIC_URL',
    describe: 'After writing, fetch the documents anonymously below this base URL and compare the bytes',
    default: undefined,
    parse: parseString,
  },
  ca: {
    flag: 'ca',
    env: 'PUBLISH_CA',
    describe:
      'PEM file of a CA trusted, besides the system store, by --check-public-url and --verify (private setups)',
    default: undefined,
    parse: parseString,
  },
  verify: {
    flag: 'verify',
    env: 'PUBLISH_VERIFY',
    describe:
      'After writing, run the verify checks against each --check-public-url, as a relying party would',
    default: 'false',
    parse: parseBoolean,
  },
  verifyAllowPrivate: {
    flag: 'verify-allow-private',
    describe:
      'With --verify: a private or cluster-internal issuer or jwks_uri host is a warning (test setups)',
    default: 'false',
    parse: parseBoolean,
  },
  storeTimeoutSeconds: {
    flag: 'store-timeout-seconds',
    env: 'PUBLISH_STORE_TIMEOUT_SECONDS',
    describe:
      'Deadline of each store call (HEAD, GET, PUT, retries included), in seconds; past it the run fails (STORE_TIMEOUT)',
    default: '30',
    parse: parseInteger(1, 300),
  },
  s3Endpoint: {
    flag: 's3-endpoint',
    env: 'AWS_ENDPOINT_URL_S3',
    describe: 'S3-compatible endpoint (MinIO, Ceph, R2) instead of AWS',
    default: undefined,
    parse: parseUrl(['https:', 'http:']),
  },
  s3ForcePathStyle: {
    flag: 's3-force-path-style',
    env: 'PUBLISH_S3_FORCE_PATH_STYLE',
    describe: 'Path-style S3 URLs (<endpoint>/<bucket>/<key>), as most S3-compatible stores need',
    default: 'false',
    parse: parseBoolean,
  },
  s3Region: {
    flag: 's3-region',
    describe: 'S3 region, instead of the SDK chain (AWS_REGION, the profile)',
    default: undefined,
    parse: parseString,
  },
} satisfies Record<string, Setting<unknown>>;

/** Flags that take no value. */
export const BOOLEAN_FLAGS = [
  'public-read',
  'dry-run',
  's3-force-path-style',
  'verify',
  'verify-allow-private',
] as const;
/** Flags that may be repeated, or take several values. */
export const LIST_FLAGS = ['dest', 'from-keys', 'check-public-url'] as const;

export type PublishSource =
  | { kind: 'cluster'; options: SourceOptions }
  | { kind: 'keys'; files: string[]; issuer: string };

export interface PublishConfig {
  destinations: Destination[];
  source: PublishSource;
  normalize: NormalizeOptions;
  maxAgeSeconds: number;
  retainMs: number;
  publicRead: boolean;
  dryRun: boolean;
  output: 'text' | 'json';
  checkPublicUrls: string[];
  /** A PEM file trusted besides the system store by the public fetches. */
  caPath: string | undefined;
  /** Run verify's checks against each public URL after writing. */
  verify: { allowPrivate: boolean } | undefined;
  store: StoreOptions;
}

type Argv = Record<string, unknown>;
type Env = Record<string, string | undefined>;

/** Every value of a list flag, or the variable's comma- or space-separated list. */
function resolveList(setting: Setting<unknown>, argv: Argv, env: Env): { values: string[]; name: string } {
  const fromFlag = argv[setting.flag];
  if (fromFlag !== undefined) {
    const values = (Array.isArray(fromFlag) ? fromFlag : [fromFlag]).map(String);
    return { values, name: `--${setting.flag}` };
  }
  const fromEnv = setting.env ? env[setting.env] : undefined;
  const values = (fromEnv ?? '').split(/[\s,]+/).filter((value) => value !== '');
  return { values, name: setting.env ?? `--${setting.flag}` };
}

function parseCheckUrl(raw: string, name: string): string {
  const url = parseUrl(['https:', 'http:'])(raw, name);
  if (/[?#]/.test(url)) throw invalid(name, raw, 'has a query or fragment; give the base URL of the issuer');
  return url.replace(/\/+$/, '');
}

export function resolvePublishConfig(argv: Argv, env: Env): PublishConfig {
  const s = resolveAll(publishSettings, argv, env);
  const shared = resolveSourceSettings(argv, env);

  const dest = resolveList(publishSettings.dest, argv, env);
  if (dest.values.length === 0) {
    throw new GatewayError('CONFIG_INVALID', 'no destination: give --dest (or PUBLISH_DEST)');
  }
  const destinations = dest.values.map((value) => parseDestination(value, dest.name));
  const seen = new Set<string>();
  for (const destination of destinations) {
    if (seen.has(destination.description)) {
      throw invalid(dest.name, destination.description, 'is given twice');
    }
    seen.add(destination.description);
  }

  const keyFiles = resolveList(publishSettings.fromKeys, argv, env).values;
  let source: PublishSource;
  if (argv['from-keys'] !== undefined) {
    if (keyFiles.length === 0)
      throw new GatewayError('CONFIG_INVALID', 'invalid --from-keys: name at least one file');
    if (!s.issuer)
      throw new GatewayError(
        'CONFIG_INVALID',
        '--from-keys needs --issuer (the --service-account-issuer URL)',
      );
    source = { kind: 'keys', files: keyFiles, issuer: s.issuer };
  } else {
    if (s.issuer !== undefined) {
      throw new GatewayError(
        'CONFIG_INVALID',
        '--issuer is only used with --from-keys (a cluster names its own issuer)',
      );
    }
    source = { kind: 'cluster', options: shared.source };
  }

  const checks = resolveList(publishSettings.checkPublicUrl, argv, env);
  if (s.verify && checks.values.length === 0) {
    throw new GatewayError('CONFIG_INVALID', '--verify needs --check-public-url: the public URL to verify');
  }
  return {
    destinations,
    source,
    normalize: shared.normalize,
    maxAgeSeconds: s.maxAge ?? 300,
    retainMs: s.retainRemovedKeys ?? 86_400_000,
    publicRead: s.publicRead ?? false,
    dryRun: s.dryRun ?? false,
    output: s.output ?? 'text',
    checkPublicUrls: checks.values.map((value) => parseCheckUrl(value, checks.name)),
    caPath: s.ca,
    verify: s.verify ? { allowPrivate: s.verifyAllowPrivate ?? false } : undefined,
    store: {
      timeoutMs: (s.storeTimeoutSeconds ?? 30) * 1000,
      s3Endpoint: s.s3Endpoint,
      s3ForcePathStyle: s.s3ForcePathStyle ?? false,
      s3Region: s.s3Region,
    },
  };
}
