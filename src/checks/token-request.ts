/**
 * --token-request: mint a short-lived token for a ServiceAccount through the TokenRequest
 * API, as the kubelet does for a pod's projected token. @kubernetes/client-node is loaded
 * only here (it costs ~0.7 s and ~70 MiB to import), with the same cluster settings as
 * the core source: a kubeconfig when one is selected, otherwise the in-cluster token and CA.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { GatewayError, systemReason } from '../core/errors.js';
import type { SourceOptions } from '../core/source.js';
import { readTokenFile } from '../core/token-file.js';
import type { ServiceAccountRef } from './service-account.js';

/** The shortest lifetime kube-apiserver grants; the token is used once, right away. */
const TOKEN_LIFETIME_SECONDS = 600;

async function inClusterKubeConfig(source: SourceOptions): Promise<KubeConfig> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  // Trimmed: client-node's own tokenFile reader keeps a trailing newline, which breaks the header.
  const token = await readTokenFile(source.tokenPath);
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [
      {
        name: 'in-cluster',
        server: source.upstreamHost,
        skipTLSVerify: false,
        ...(source.caCertPath ? { caFile: source.caCertPath } : {}),
      },
    ],
    users: [{ name: 'service-account', token }],
    contexts: [{ name: 'in-cluster', cluster: 'in-cluster', user: 'service-account' }],
    currentContext: 'in-cluster',
  });
  return kubeConfig;
}

/** One line from whatever client-node threw: the API's Status message when there is one. */
function describeApiError(error: unknown): string {
  const apiError = error as { code?: unknown; body?: unknown; message?: string };
  if (typeof apiError.code === 'number') {
    let message = '';
    try {
      const status = JSON.parse(String(apiError.body)) as { message?: unknown };
      if (typeof status.message === 'string') message = `: ${status.message}`;
    } catch {
      // Not a Status body (a 401 has none); the code alone says enough.
    }
    return `HTTP ${apiError.code}${message}`;
  }
  const message = (apiError.message ?? String(error)).split('\n')[0] ?? String(error);
  // node-fetch's "request to URL failed, reason: connect ECONNREFUSED …": the URL, the reason in words.
  const words = systemReason(error);
  const url = /^request to (\S+) failed/.exec(message)?.[1];
  return words === undefined ? message : `${url ?? 'the API server'}: ${words}`;
}

export async function requestServiceAccountToken(
  serviceAccount: ServiceAccountRef,
  source: SourceOptions,
  audience: string | undefined,
): Promise<string> {
  const kubeConfig = source.kubeconfig
    ? (await import('../core/kubeconfig-source.js')).loadKubeCluster(source).kubeConfig
    : await inClusterKubeConfig(source);
  const { CoreV1Api } = await import('@kubernetes/client-node');
  const api = kubeConfig.makeApiClient(CoreV1Api);
  const { namespace, name } = serviceAccount;
  const request = api.createNamespacedServiceAccountToken({
    namespace,
    name,
    body: {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      // No audience: the API server's own audiences, which default to the issuer.
      spec: {
        audiences: audience === undefined ? [] : [audience],
        expirationSeconds: TOKEN_LIFETIME_SECONDS,
      },
    },
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new GatewayError('UPSTREAM_TIMEOUT', `no answer within ${source.timeoutMs} ms`)),
      source.timeoutMs,
    );
  });
  try {
    const response = await Promise.race([request, timeout]);
    const token = response.status?.token;
    if (!token) throw new GatewayError('UPSTREAM_STATUS', 'the TokenRequest answer carries no token');
    return token;
  } catch (error) {
    if (error instanceof GatewayError) throw error;
    throw new GatewayError('UPSTREAM_STATUS', describeApiError(error), { cause: error });
  } finally {
    clearTimeout(timer);
  }
}
