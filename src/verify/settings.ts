/**
 * verify's settings, and the upstream and rendering settings its cluster checks share with
 * serve and publish. Kept apart from the checks so that registering the command (on every
 * CLI start, serve included) loads none of them.
 */
import { DEFAULT_MAX_AGE_LIMIT_SECONDS, DEFAULT_TIMEOUT_SECONDS } from '../checks/defaults.js';
import { PROVIDERS } from '../checks/providers/names.js';
import { parseServiceAccountRef, type ServiceAccountRef } from '../checks/service-account.js';
import { canonicalFormIfDifferent } from '../core/canonical-url.js';
import { renderingSettings } from '../core/rendering-settings.js';
import * as kind from '../core/setting-kinds.js';
import { type CommandSettings, setting } from '../core/setting-table.js';
import { upstreamSettings } from '../core/upstream-settings.js';

const serviceAccount = kind.parsed<ServiceAccountRef>(
  'NAMESPACE/NAME',
  (raw, name) => {
    const ref = parseServiceAccountRef(raw);
    if (!ref) throw kind.invalid(name, raw, 'is not NAMESPACE/NAME of a ServiceAccount');
    return ref;
  },
  (ref) => `${ref.namespace}/${ref.name}`,
);

/**
 * An http(s) URL written canonically: verify compares it byte for byte with the document's
 * issuer and with tokens' iss, so a form a URL parser rewrites would only ever mismatch.
 */
const canonicalUrl = kind.parsed(
  'canonical https or http URL',
  (raw, name) => {
    const value = kind.checkUrl(raw, name, ['https:', 'http:']);
    const canonical = canonicalFormIfDifferent(value);
    if (canonical !== undefined)
      throw kind.invalid(name, raw, `is not canonical; did you mean "${canonical}"?`);
    return value;
  },
  (value) => value,
);

export const verifySettings = {
  issuer: setting({
    flag: 'issuer',
    describe:
      'The public issuer URL, exactly as relying parties are configured with it (a trailing slash counts), written canonically',
    kind: canonicalUrl,
    default: undefined,
  }),
  ca: setting({
    flag: 'ca',
    describe: 'PEM file of a CA to trust in addition to the system trust store (private test setups)',
    kind: kind.text(),
    default: undefined,
  }),
  maxAgeLimit: setting({
    flag: 'max-age-limit',
    describe: 'Largest Cache-Control max-age accepted, in seconds',
    kind: kind.integer(1, 31536000),
    default: DEFAULT_MAX_AGE_LIMIT_SECONDS,
  }),
  timeoutSeconds: setting({
    flag: 'timeout-seconds',
    describe: 'Timeout for each public fetch, in seconds',
    kind: kind.integer(1, 300),
    default: DEFAULT_TIMEOUT_SECONDS,
  }),
  token: setting({
    flag: 'token',
    describe:
      'A token file issued by the cluster: its iss and signature are checked against the public documents',
    kind: kind.path(),
    default: undefined,
  }),
  tokenRequest: setting({
    flag: 'token-request',
    describe:
      'NAMESPACE/NAME of a ServiceAccount: mint a 10-minute token for it (TokenRequest API) and check it',
    kind: serviceAccount,
    default: undefined,
  }),
  audience: setting({
    flag: 'audience',
    describe: 'Audience to request with --token-request; the token’s aud must include it',
    kind: kind.text(),
    default: undefined,
  }),
  output: setting({
    flag: 'output',
    describe: 'text (one line per check) or json',
    kind: kind.choice(['text', 'json']),
    default: 'text',
  }),
  allowPrivate: setting({
    flag: 'allow-private',
    describe:
      'Report a private, loopback or cluster-internal issuer or jwks_uri host as a warning, not a failure',
    kind: kind.boolean(),
    default: false,
  }),
  compareCluster: setting({
    flag: 'compare-cluster',
    describe: 'Also fetch the documents from the API server and check the public copies are current',
    kind: kind.boolean(),
    default: false,
  }),
  provider: setting({
    flag: 'provider',
    describe: "Also check this relying party's documented limits (aws, gcp, azure); repeat for several",
    kind: kind.list(kind.choice(PROVIDERS)),
    default: [],
  }),
  gcp: setting({
    flag: 'gcp',
    describe: 'Deprecated: the same as --provider gcp',
    kind: kind.boolean(),
    default: false,
  }),
};

const CLUSTER_GROUP = 'Cluster (for --compare-cluster and --token-request):';

/** Every table verify reads, in `--help` order. */
export const verifyCommandSettings: CommandSettings = [
  { table: verifySettings },
  { table: upstreamSettings, group: CLUSTER_GROUP },
  { table: renderingSettings, group: CLUSTER_GROUP },
];
