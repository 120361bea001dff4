/**
 * Which way to the API server a command takes, in the order controller-runtime's GetConfig
 * takes it (each step by client-go's own rule), so a laptop, a CI job and a pod each work
 * without being told:
 *
 * 1. `--kubeconfig FILE`, else `KUBECONFIG` (its files merged in order; a file in it that
 *    does not exist is skipped, as kubectl skips it; none existing is a usage error).
 * 2. In-cluster, when `--upstream-host`/`UPSTREAM_HOST` or `--sa-token-path`/`SA_TOKEN_PATH`
 *    is given: the Go gateway's settings, taken as asked, nothing else looked at.
 * 3. In-cluster, when the ServiceAccount token is mounted: a file at the default token path
 *    (client-go also wants KUBERNETES_SERVICE_HOST/PORT, because it builds the API server's
 *    address from them; this gateway reaches `UPSTREAM_HOST`, kubernetes.default.svc by
 *    default, so the token alone decides). Skipped when `--context` asks for a kubeconfig.
 * 4. kubectl's default kubeconfig, `$HOME/.kube/config`, when it exists (client-go's
 *    homedir: no HOME, no default file).
 * 5. None: the reason in one line naming `--kubeconfig` and what else the command offers
 *    (publish and verify stop with exit 2 on it; serve logs it and stays not ready).
 *
 * Invariants: only existence is probed here (stat, never a read), so what a file holds is
 * judged once, by its loader; a choice made is pinned (pinSource) so that a later open
 * probes nothing again.
 */
import { stat } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { GatewayError } from './errors.js';
import type { SourceOptions } from './source.js';

export type SourceChoice =
  | { kind: 'kubeconfig'; files: readonly string[] }
  | { kind: 'in-cluster' }
  | { kind: 'none'; message: string };

/** What a path is, as far as choosing needs: ENOENT and ENOTDIR are "missing", anything else exists. */
export type PathKind = 'missing' | 'file' | 'other';

export async function pathKind(path: string): Promise<PathKind> {
  try {
    return (await stat(path)).isFile() ? 'file' : 'other';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // EACCES and the like: something is there; its loader says what is wrong with it.
    return code === 'ENOENT' || code === 'ENOTDIR' ? 'missing' : 'other';
  }
}

/** kubectl's default kubeconfig under `home`; undefined without a home. */
export function defaultKubeconfigPath(home: string | undefined): string | undefined {
  return home ? join(home, '.kube', 'config') : undefined;
}

export async function chooseSource(
  options: SourceOptions,
  kindOf: (path: string) => Promise<PathKind> = pathKind,
): Promise<SourceChoice> {
  const named = options.kubeconfig;
  if (named) {
    if (!options.kubeconfigFromEnv) return { kind: 'kubeconfig', files: named };
    const kinds = await Promise.all(named.map(kindOf));
    const files = named.filter((_, index) => kinds[index] !== 'missing');
    if (files.length === 0) {
      throw new GatewayError(
        'KUBECONFIG_INVALID',
        `KUBECONFIG names no file that exists (${named.join(delimiter)}); point it at your kubeconfig, or unset it`,
      );
    }
    return { kind: 'kubeconfig', files };
  }
  if (options.inClusterGiven) return { kind: 'in-cluster' };
  if (!options.context && (await kindOf(options.tokenPath)) === 'file') return { kind: 'in-cluster' };
  const fallback = defaultKubeconfigPath(options.home);
  if (fallback && (await kindOf(fallback)) !== 'missing') return { kind: 'kubeconfig', files: [fallback] };
  return { kind: 'none', message: noSourceMessage(options, fallback) };
}

/** One line: every place looked in, and the ways out. */
function noSourceMessage(options: SourceOptions, fallback: string | undefined): string {
  const looked = ['no --kubeconfig or KUBECONFIG'];
  if (!options.context) looked.push(`no ServiceAccount token at ${options.tokenPath}`);
  looked.push(fallback ? `no ${fallback}` : 'no ~/.kube/config (HOME is not set)');
  const otherwise = options.otherwise ? `, or ${options.otherwise}` : '';
  const subject = options.context
    ? `--context ${options.context} needs a kubeconfig`
    : 'no cluster to read from';
  return `${subject}: ${looked.join(', ')}; give --kubeconfig FILE${otherwise}`;
}

/**
 * The options with the choice made once and for all: a kubeconfig's files named outright,
 * or in-cluster as if asked; no way at all is a usage error (CONFIG_INVALID) with the reason.
 */
export async function pinSource(
  options: SourceOptions,
  kindOf?: (path: string) => Promise<PathKind>,
): Promise<SourceOptions> {
  return pinned(options, await chooseSource(options, kindOf));
}

export function pinned(options: SourceOptions, choice: SourceChoice): SourceOptions {
  if (choice.kind === 'none') throw new GatewayError('CONFIG_INVALID', choice.message);
  if (choice.kind === 'kubeconfig') return { ...options, kubeconfig: choice.files, kubeconfigFromEnv: false };
  return { ...options, kubeconfig: undefined, kubeconfigFromEnv: false, inClusterGiven: true };
}
