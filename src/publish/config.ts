/**
 * publish's settings resolved into the configuration a run works from, with the rules
 * between settings (a source, at least one destination, --verify's public URL).
 */
import { PROVIDERS, type Provider } from '../checks/providers/names.js';
import type { NormalizeOptions } from '../core/documents.js';
import { GatewayError } from '../core/errors.js';
import { resolveRendering } from '../core/rendering-settings.js';
import { type Env, type GivenFlags, resolveSettings } from '../core/setting-table.js';
import type { SourceOptions } from '../core/source.js';
import { resolveUpstream } from '../core/upstream-settings.js';
import type { Destination } from '../stores/destination.js';
import type { StoreOptions } from '../stores/open.js';
import { publishSettings } from './settings.js';

export type PublishSource =
  /** `issuer`: publish the cluster's key set as this issuer rather than the one its discovery document names. */
  | { kind: 'cluster'; options: SourceOptions; issuer: string | undefined }
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
  /** The relying parties whose documented rules the built documents are checked against (warnings). */
  providers: Provider[];
  store: StoreOptions;
}

/** The way out publish offers when no cluster can be reached (core/source-choice.ts). */
const WITHOUT_A_CLUSTER = '--from-keys KEY_FILE --issuer URL to publish without a cluster';

export function resolvePublishConfig(argv: GivenFlags, env: Env): PublishConfig {
  const s = resolveSettings(publishSettings, argv, env);
  if (s.dest === undefined || s.dest.length === 0) {
    throw new GatewayError('CONFIG_INVALID', 'no destination: give --dest (or PUBLISH_DEST)');
  }
  let source: PublishSource;
  if (s.fromKeys !== undefined) {
    if (s.fromKeys.length === 0)
      throw new GatewayError('CONFIG_INVALID', 'invalid --from-keys: name at least one file');
    if (!s.issuer)
      throw new GatewayError(
        'CONFIG_INVALID',
        '--from-keys needs --issuer (the --service-account-issuer URL)',
      );
    source = { kind: 'keys', files: s.fromKeys, issuer: s.issuer };
  } else {
    source = { kind: 'cluster', options: resolveUpstream(argv, env, WITHOUT_A_CLUSTER), issuer: s.issuer };
  }
  if (s.verify && s.checkPublicUrl.length === 0) {
    throw new GatewayError('CONFIG_INVALID', '--verify needs --check-public-url: the public URL to verify');
  }
  return {
    destinations: s.dest,
    source,
    normalize: resolveRendering(argv, env),
    maxAgeSeconds: s.maxAge,
    retainMs: s.retainRemovedKeys,
    publicRead: s.publicRead,
    dryRun: s.dryRun,
    output: s.output,
    checkPublicUrls: s.checkPublicUrl,
    caPath: s.ca,
    verify: s.verify ? { allowPrivate: s.verifyAllowPrivate } : undefined,
    providers: PROVIDERS.filter((name) => s.provider.includes(name)),
    store: {
      timeoutMs: s.storeTimeoutSeconds * 1000,
      s3Endpoint: s.s3Endpoint,
      s3ForcePathStyle: s.s3ForcePathStyle,
      s3Region: s.s3Region,
      azureEndpoint: s.azureEndpoint,
    },
  };
}
