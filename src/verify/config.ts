/**
 * verify's settings resolved, the way every command resolves its settings: a malformed value
 * is a usage error (exit 2) naming the flag. The cluster settings are resolved only when a
 * check needs the API server, so a stray KUBECONFIG cannot break a plain public check.
 */
import { PROVIDERS } from '../checks/providers/names.js';
import type { VerifyOptions } from '../checks/run.js';
import type { TokenSpec } from '../checks/token.js';
import { GatewayError } from '../core/errors.js';
import { readExtraCa } from '../core/public-get.js';
import { resolveRendering } from '../core/rendering-settings.js';
import { type Env, type GivenFlags, resolveSettings } from '../core/setting-table.js';
import { resolveUpstream } from '../core/upstream-settings.js';
import { verifySettings } from './settings.js';

export interface VerifyConfig {
  options: VerifyOptions;
  output: 'text' | 'json';
}

export async function resolveVerifyConfig(argv: GivenFlags, env: Env): Promise<VerifyConfig> {
  const s = resolveSettings(verifySettings, argv, env);
  if (s.issuer === undefined) throw new GatewayError('CONFIG_INVALID', 'missing --issuer');
  if (s.token !== undefined && s.tokenRequest !== undefined) {
    throw new GatewayError(
      'CONFIG_INVALID',
      'invalid --token-request: give either --token or --token-request',
    );
  }
  const token: TokenSpec | undefined =
    s.token !== undefined
      ? { kind: 'file', path: s.token }
      : s.tokenRequest !== undefined
        ? { kind: 'request', serviceAccount: s.tokenRequest }
        : undefined;
  const needsCluster = s.compareCluster || token?.kind === 'request';
  return {
    output: s.output,
    options: {
      issuer: s.issuer,
      extraCa: s.ca === undefined ? undefined : await readExtraCa(s.ca),
      allowPrivate: s.allowPrivate,
      maxAgeLimitSeconds: s.maxAgeLimit,
      timeoutMs: s.timeoutSeconds * 1000,
      // --gcp is the old spelling of --provider gcp; each provider counts once, in report order.
      providers: PROVIDERS.filter((name) => s.provider.includes(name) || (name === 'gcp' && s.gcp)),
      compareCluster: s.compareCluster,
      token,
      audience: s.audience,
      cluster: needsCluster
        ? { source: resolveUpstream(argv, env), normalize: resolveRendering(argv, env) }
        : undefined,
    },
  };
}
