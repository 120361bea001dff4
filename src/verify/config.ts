/**
 * verify's settings resolved, the way every command resolves its settings: a malformed value
 * is a usage error (exit 2) naming the flag. The cluster settings are resolved only when a
 * check needs the API server, so a stray KUBECONFIG cannot break a plain public check; then
 * the way to it is chosen here (core/source-choice.ts), so that none at all is a usage error
 * too, before any check runs.
 */
import { PROVIDERS } from '../checks/providers/names.js';
import type { VerifyOptions } from '../checks/run.js';
import type { TokenSpec } from '../checks/token.js';
import { GatewayError } from '../core/errors.js';
import { checkKubeconfigsReadable } from '../core/kubeconfig-files.js';
import { readExtraCa } from '../core/public-get.js';
import { resolveRendering } from '../core/rendering-settings.js';
import { type Env, type GivenFlags, resolveSettings } from '../core/setting-table.js';
import type { SourceOptions } from '../core/source.js';
import { pinSource } from '../core/source-choice.js';
import { readTokenFile } from '../core/token-file.js';
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
      ? { kind: 'file', path: s.token, token: await readTokenArgument(s.token) }
      : s.tokenRequest !== undefined
        ? { kind: 'request', serviceAccount: s.tokenRequest }
        : undefined;
  const needsCluster = s.compareCluster || token?.kind === 'request';
  const source = needsCluster ? await clusterSource(argv, env) : undefined;
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
      cluster: source ? { source, normalize: resolveRendering(argv, env) } : undefined,
    },
  };
}

/** --token's file, read now: one that cannot be read is a usage error, like any input file named. */
async function readTokenArgument(path: string): Promise<string> {
  try {
    return await readTokenFile(path, 'the token');
  } catch (error) {
    throw new GatewayError('CONFIG_INVALID', `invalid --token: ${(error as Error).message}`);
  }
}

/**
 * The way to the API server, chosen (none is a usage error) and, for a kubeconfig, loaded
 * once here, so an unreadable or broken one is a usage error before any check runs.
 */
async function clusterSource(argv: GivenFlags, env: Env): Promise<SourceOptions> {
  const source = await pinSource(resolveUpstream(argv, env));
  if (source.kubeconfig) {
    await checkKubeconfigsReadable(source.kubeconfig);
    (await import('../core/kubeconfig-source.js')).loadKubeCluster(source);
  }
  return source;
}
