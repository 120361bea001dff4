/**
 * The kubeconfig path (a laptop, CI): @kubernetes/client-node resolves the auth
 * (exec plugins, client certificates, tokens) and hands over the exact TLS options and
 * headers through applyToHTTPSOptions, refreshed on every fetch as exec tokens expire.
 */
import https from 'node:https';
import { delimiter } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { GatewayError } from './errors.js';
import { getJson } from './http-get.js';
import { unreadableKubeconfig } from './kubeconfig-files.js';
import type { DocumentSource, SourceOptions } from './source.js';
import { didYouMean } from './suggest.js';
import type { WellKnownPath } from './well-known.js';

/**
 * Loads the kubeconfig files source-choice.ts chose: one file, or each file of KUBECONFIG
 * merged in order as client-node's loadFromDefault does. Loaded file by file so an error
 * names the file; no error ever carries the file's text (a YAML error's snippet would print
 * the very line with the token or the client key). What is wrong with a file is
 * KUBECONFIG_INVALID: an input the user gave (exit 2), not a failed run.
 */
export function loadKubeConfig(options: Pick<SourceOptions, 'kubeconfig' | 'context'>): KubeConfig {
  const kubeConfig = new KubeConfig();
  const [first, ...rest] = options.kubeconfig ?? [];
  if (first === undefined) throw new Error('loadKubeConfig needs the files source-choice.ts chose');
  attempt(first, () => kubeConfig.loadFromFile(first));
  for (const file of rest) {
    const next = new KubeConfig();
    attempt(file, () => next.loadFromFile(file));
    attempt(file, () => kubeConfig.mergeConfig(next));
  }
  if (options.context) kubeConfig.setCurrentContext(options.context);
  return kubeConfig;
}

function attempt(file: string, load: () => void): void {
  try {
    load();
  } catch (error) {
    // No cause attached: a YAML error keeps the whole file in error.mark.buffer.
    throw new GatewayError('KUBECONFIG_INVALID', describeLoadError(error, file));
  }
}

/** client-node's own checks, which name a member by position only ("users[0].name is missing"). */
const MISSING_MEMBER = /^(clusters|users|contexts)\[\d+\]\.[a-z.-]+ is missing$/;
const DUPLICATE_NAME = /^Duplicate (cluster|user|context): /;
/**
 * js-yaml's fixed reasons ("bad indentation of a mapping entry"); those that quote the file
 * (a tag, an alias, a directive) all carry a quote, a colon or a bracket and are left out.
 */
const FIXED_YAML_REASON = /^[a-z][a-z ,;'-]*$/i;

interface YamlError {
  name: 'YAMLException';
  reason: string;
  mark: { line: number; column: number };
}

function isYamlError(error: unknown): error is YamlError {
  const candidate = error as Partial<YamlError> | null;
  return (
    candidate?.name === 'YAMLException' &&
    typeof candidate.mark?.line === 'number' &&
    typeof candidate.mark.column === 'number'
  );
}

/** What is wrong and where, in words of our own: never a message that could quote the file. */
function describeLoadError(error: unknown, file: string): string {
  const errno = (error as NodeJS.ErrnoException | null)?.code;
  // A system error's message names the path, never the file's text.
  if (typeof errno === 'string' && /^E[A-Z]+$/.test(errno)) return unreadableKubeconfig(file, error);
  if (isYamlError(error)) {
    const reason =
      typeof error.reason === 'string' && FIXED_YAML_REASON.test(error.reason) ? ` (${error.reason})` : '';
    return (
      `kubeconfig ${file} is not valid YAML at line ${error.mark.line + 1}, column ${error.mark.column + 1}` +
      `${reason}; fix that line (its text is not shown: it may hold a credential)`
    );
  }
  const message = error instanceof Error ? error.message : '';
  if (MISSING_MEMBER.test(message)) return `kubeconfig ${file}: ${message}`;
  const duplicate = DUPLICATE_NAME.exec(message);
  if (duplicate) {
    return `kubeconfig ${file} defines a ${duplicate[1]} whose name an earlier file in KUBECONFIG already uses; rename one`;
  }
  return `kubeconfig ${file} is not a kubeconfig: expected a YAML mapping with clusters, users and contexts`;
}

/** A loaded kubeconfig and the API server its context names. */
export interface KubeCluster {
  kubeConfig: KubeConfig;
  server: URL;
  /** The files, as the description names them. */
  files: string;
}

/**
 * The kubeconfig loaded and its context's cluster checked, so everything wrong with what
 * the user gave (KUBECONFIG_INVALID) is found before any request; a --context that names
 * no context of the files gets the nearest name.
 */
export function loadKubeCluster(options: Pick<SourceOptions, 'kubeconfig' | 'context'>): KubeCluster {
  const kubeConfig = loadKubeConfig(options);
  const cluster = kubeConfig.getCurrentCluster();
  const files = (options.kubeconfig ?? []).join(delimiter);
  if (!cluster) {
    const current = kubeConfig.currentContext;
    const names = kubeConfig.getContexts().map((context) => context.name);
    const listed = ' (kubectl config get-contexts lists them)';
    const why = !current
      ? `has no current-context; name one of its contexts with --context${listed}`
      : kubeConfig.getContextObject(current) !== null
        ? `has no cluster for context "${current}"; name one of its contexts with --context${listed}`
        : `has no context "${current}"${
            didYouMean(current, names, (name) => `--context ${name}`) ||
            `; name one of its contexts with --context${listed}`
          }`;
    throw new GatewayError('KUBECONFIG_INVALID', `kubeconfig ${files} ${why}`);
  }
  if (!URL.canParse(cluster.server)) {
    throw new GatewayError(
      'KUBECONFIG_INVALID',
      `kubeconfig cluster "${cluster.name}" has a server that is not a URL; set it to the API server's https URL`,
    );
  }
  return { kubeConfig, server: new URL(cluster.server), files };
}

export function createKubeconfigSource(options: SourceOptions): DocumentSource {
  const { kubeConfig, server: base, files } = loadKubeCluster(options);
  const agent = new https.Agent({ keepAlive: true, maxSockets: 4 });
  return {
    // Which file too: with kubectl's defaults the user may not have named one.
    description: `kubeconfig context "${kubeConfig.currentContext}" ${base.origin} from ${files}`,
    async get(path: WellKnownPath): Promise<unknown> {
      const requestOptions: https.RequestOptions = {};
      try {
        await kubeConfig.applyToHTTPSOptions(requestOptions);
      } catch (error) {
        throw new GatewayError('SOURCE_CREDENTIALS', `kubeconfig auth failed: ${(error as Error).message}`);
      }
      // Join onto the server URL's own path: some kubeconfigs point at a proxy prefix.
      const url = new URL(base.href.replace(/\/+$/, '') + path);
      return getJson({
        url,
        timeoutMs: options.timeoutMs,
        requestOptions: { ...requestOptions, agent: url.protocol === 'https:' ? agent : undefined },
      });
    },
    close(): void {
      agent.destroy();
    },
  };
}
