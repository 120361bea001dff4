/**
 * Where the issuer documents come from: the Kubernetes API server, reached either the
 * in-cluster way (mounted token and CA over plain node:https) or through a kubeconfig,
 * whichever source-choice.ts picks.
 */
import { readFile } from 'node:fs/promises';
import https from 'node:https';
import { GatewayError, reasonOf } from './errors.js';
import { getJson } from './http-get.js';
import { checkKubeconfigsReadable } from './kubeconfig-files.js';
import { pinSource } from './source-choice.js';
import { readTokenFile } from './token-file.js';
import type { WellKnownPath } from './well-known.js';

export interface DocumentSource {
  /** Fetches one path from the API server and returns the parsed JSON body. */
  get(path: WellKnownPath): Promise<unknown>;
  /** For logs: where the documents come from, never a credential. */
  readonly description: string;
  close(): void;
}

export interface SourceOptions {
  upstreamHost: string;
  timeoutMs: number;
  tokenPath: string;
  /** Empty: trust the system store instead of the cluster CA. */
  caCertPath: string;
  /** Set: these kubeconfig files merged in order (`--kubeconfig`: one; `KUBECONFIG`: its list). */
  kubeconfig?: readonly string[] | undefined;
  /** `kubeconfig` is KUBECONFIG's list: its files that do not exist are skipped, as kubectl skips them. */
  kubeconfigFromEnv?: boolean | undefined;
  context?: string | undefined;
  /** `--upstream-host` or `--sa-token-path` (or their variables) was given: in-cluster, as asked. */
  inClusterGiven?: boolean | undefined;
  /** $HOME, where kubectl's default kubeconfig is looked for; unset: it is not. */
  home?: string | undefined;
  /** What else the command offers when no cluster can be reached (publish: --from-keys), for the error. */
  otherwise?: string | undefined;
}

/** The source the options choose (source-choice.ts); none is a usage error (CONFIG_INVALID) saying why. */
export async function createSource(options: SourceOptions): Promise<DocumentSource> {
  return openSource(await pinSource(options));
}

/** The source of options already pinned to a choice (source-choice.ts, pinned). */
export async function openSource(options: SourceOptions): Promise<DocumentSource> {
  if (options.kubeconfig) {
    // Loaded only on this path, and only for files it can read: the client library costs
    // ~0.7 s and ~70 MiB to import.
    await checkKubeconfigsReadable(options.kubeconfig);
    const { createKubeconfigSource } = await import('./kubeconfig-source.js');
    return createKubeconfigSource(options);
  }
  return new InClusterSource(options);
}

/** The mounted ServiceAccount token and CA, read on every fetch: projected tokens rotate. */
export class InClusterSource implements DocumentSource {
  readonly description: string;
  private readonly base: URL;
  private readonly agent = new https.Agent({ keepAlive: true, maxSockets: 4 });

  constructor(private readonly options: SourceOptions) {
    this.base = new URL(options.upstreamHost);
    this.description = `in-cluster ${this.base.origin}`;
  }

  async get(path: WellKnownPath): Promise<unknown> {
    const url = new URL(this.base.href.replace(/\/+$/, '') + path);
    if (this.base.protocol !== 'https:') {
      // Plain http is only for a local authenticating proxy (kubectl proxy): the token is
      // never sent where anyone on the network could read it.
      return getJson({ url, timeoutMs: this.options.timeoutMs, requestOptions: {} });
    }
    const [token, ca] = await Promise.all([this.readToken(), this.readCa()]);
    return getJson({
      url,
      timeoutMs: this.options.timeoutMs,
      requestOptions: {
        agent: this.agent,
        ...(ca ? { ca } : {}),
        headers: { authorization: `Bearer ${token}` },
      },
    });
  }

  close(): void {
    this.agent.destroy();
  }

  private readToken(): Promise<string> {
    return readTokenFile(this.options.tokenPath);
  }

  private async readCa(): Promise<Buffer | undefined> {
    const path = this.options.caCertPath;
    if (path === '') return undefined;
    try {
      return await readFile(path);
    } catch (error) {
      throw new GatewayError(
        'SOURCE_CREDENTIALS',
        `cannot read the CA certificate at ${path}: ${reasonOf(error)}`,
      );
    }
  }
}
