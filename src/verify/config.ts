/**
 * verify's flags resolved, the way every command resolves its settings: a malformed value is
 * a usage error (exit 2) naming the flag. The cluster settings are resolved only when a
 * check needs the API server, so a stray KUBECONFIG cannot break a plain public check.
 */

import { DEFAULT_MAX_AGE_LIMIT_SECONDS, DEFAULT_TIMEOUT_SECONDS } from '../checks/defaults.js';
import type { VerifyOptions } from '../checks/run.js';
import type { TokenSpec } from '../checks/token.js';
import { GatewayError } from '../core/errors.js';
import { readExtraCa } from '../core/public-get.js';
import { resolveAll } from '../core/settings.js';
import { resolveSourceSettings } from '../core/source-settings.js';
import { verifySettings } from './settings.js';

export interface VerifyConfig {
  options: VerifyOptions;
  output: 'text' | 'json';
}

export async function resolveVerifyConfig(
  argv: Record<string, unknown>,
  env: Record<string, string | undefined>,
): Promise<VerifyConfig> {
  const s = resolveAll(verifySettings, argv, env);
  if (s.issuer === undefined) throw new GatewayError('CONFIG_INVALID', 'missing --issuer');
  if (s.token !== undefined && s.tokenRequest !== undefined) {
    throw new GatewayError(
      'CONFIG_INVALID',
      'invalid --token-request: give either --token or --token-request',
    );
  }
  if (s.token === '') throw new GatewayError('CONFIG_INVALID', 'invalid --token: empty path');
  const token: TokenSpec | undefined =
    s.token !== undefined
      ? { kind: 'file', path: s.token }
      : s.tokenRequest !== undefined
        ? { kind: 'request', serviceAccount: s.tokenRequest }
        : undefined;
  const compareCluster = argv['compare-cluster'] === true;
  const needsCluster = compareCluster || token?.kind === 'request';
  return {
    output: s.output ?? 'text',
    options: {
      issuer: s.issuer,
      extraCa: s.ca === undefined ? undefined : await readExtraCa(s.ca),
      allowPrivate: argv['allow-private'] === true,
      maxAgeLimitSeconds: s.maxAgeLimit ?? DEFAULT_MAX_AGE_LIMIT_SECONDS,
      timeoutMs: (s.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000,
      gcp: argv.gcp === true,
      compareCluster,
      token,
      audience: s.audience,
      cluster: needsCluster ? resolveSourceSettings(argv, env) : undefined,
    },
  };
}
