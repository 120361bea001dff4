/**
 * The kubeconfig path (a laptop, CI): @kubernetes/client-node resolves the auth
 * (exec plugins, client certificates, tokens) and hands over the exact TLS options and
 * headers through applyToHTTPSOptions, refreshed on every fetch as exec tokens expire.
 */
import https from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';
import { GatewayError } from './errors.js';
import { getJson } from './http-get.js';
import type { DocumentSource, SourceOptions, UpstreamPath } from './source.js';

export function loadKubeConfig(options: Pick<SourceOptions, 'kubeconfig' | 'context'>): KubeConfig {
  const kubeConfig = new KubeConfig();
  try {
    if (options.kubeconfig && options.kubeconfig !== 'default') kubeConfig.loadFromFile(options.kubeconfig);
    else kubeConfig.loadFromDefault();
    if (options.context) kubeConfig.setCurrentContext(options.context);
  } catch (error) {
    throw new GatewayError(
      'SOURCE_CREDENTIALS',
      `cannot load kubeconfig ${options.kubeconfig ?? ''}: ${(error as Error).message}`,
    );
  }
  return kubeConfig;
}

export function createKubeconfigSource(options: SourceOptions): DocumentSource {
  const kubeConfig = loadKubeConfig(options);
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) {
    throw new GatewayError(
      'SOURCE_CREDENTIALS',
      `kubeconfig has no cluster for context "${kubeConfig.currentContext}"`,
    );
  }
  const base = new URL(cluster.server);
  const agent = new https.Agent({ keepAlive: true, maxSockets: 4 });
  return {
    description: `kubeconfig context "${kubeConfig.currentContext}" ${base.origin}`,
    async get(path: UpstreamPath): Promise<unknown> {
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
