/** The settings every mode shares: how to reach the API server and how to render. */

import type { NormalizeOptions } from './documents.js';
import { GatewayError } from './errors.js';
import { parseJwksUriPolicy } from './jwks-uri.js';
import { parseBoolean, parseInteger, parseString, parseUrl, resolveAll, type Setting } from './settings.js';
import type { SourceOptions } from './source.js';

export const sourceSettings = {
  upstreamHost: {
    flag: 'upstream-host',
    env: 'UPSTREAM_HOST',
    describe: 'Kubernetes API server base URL (in-cluster mode)',
    default: 'https://kubernetes.default.svc',
    parse: parseUrl(['https:', 'http:']),
  },
  upstreamTimeoutSeconds: {
    flag: 'upstream-timeout-seconds',
    env: 'UPSTREAM_TIMEOUT_SECONDS',
    describe: 'Timeout for one upstream request, in seconds',
    default: '5',
    parse: parseInteger(1, 300),
  },
  saTokenPath: {
    flag: 'sa-token-path',
    env: 'SA_TOKEN_PATH',
    describe: 'ServiceAccount token file, re-read on every upstream fetch',
    default: '/var/run/secrets/kubernetes.io/serviceaccount/token',
    parse: parseString,
  },
  saCaCertPath: {
    flag: 'sa-ca-cert-path',
    env: 'SA_CA_CERT_PATH',
    describe: 'CA bundle that signs the API server certificate; empty uses the system trust store',
    default: '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt',
    parse: parseString,
  },
  kubeconfig: {
    flag: 'kubeconfig',
    env: 'KUBECONFIG',
    describe:
      'Use this kubeconfig (client-node auth: exec plugins, certificates, tokens) instead of the in-cluster token',
    default: undefined,
    parse: parseString,
  },
  context: {
    flag: 'context',
    describe: 'kubeconfig context to use (default: current-context)',
    default: undefined,
    parse: parseString,
  },
  prettyPrintJson: {
    flag: 'pretty-print-json',
    env: 'PRETTY_PRINT_JSON',
    describe: 'Pretty-print the documents (2-space indent)',
    default: 'true',
    parse: parseBoolean,
  },
  jwksUri: {
    flag: 'jwks-uri',
    env: 'JWKS_URI',
    describe:
      'jwks_uri in the discovery document: keep, auto (rewrite a jwks_uri off the issuer origin) or an https URL',
    default: 'auto',
    parse: parseJwksUriPolicy,
  },
} satisfies Record<string, Setting<unknown>>;

export interface ResolvedSourceSettings {
  source: SourceOptions;
  normalize: NormalizeOptions;
}

export function resolveSourceSettings(
  argv: Record<string, unknown>,
  env: Record<string, string | undefined>,
): ResolvedSourceSettings {
  const s = resolveAll(sourceSettings, argv, env);
  if (s.kubeconfig === '') throw new GatewayError('CONFIG_INVALID', 'invalid --kubeconfig: empty path');
  // KUBECONFIG may be a list of files; client-node's loadFromDefault merges it.
  const kubeconfig =
    argv.kubeconfig !== undefined ? s.kubeconfig : s.kubeconfig !== undefined ? 'default' : undefined;
  return {
    source: {
      upstreamHost: s.upstreamHost as string,
      timeoutMs: (s.upstreamTimeoutSeconds as number) * 1000,
      tokenPath: s.saTokenPath as string,
      caCertPath: s.saCaCertPath as string,
      kubeconfig,
      context: s.context,
    },
    normalize: { pretty: s.prettyPrintJson as boolean, jwksUri: s.jwksUri ?? { mode: 'auto' } },
  };
}
