/**
 * How every mode reaches the API server: the in-cluster token and CA, or a kubeconfig. The
 * Go gateway's variables and defaults, each also a flag. A table and its resolver in one
 * module: every frontend shares them. Which of the two a command takes when not told is
 * source-choice.ts's rule; the resolver hands it what was given and $HOME.
 */
import { delimiter } from 'node:path';
import * as kind from './setting-kinds.js';
import { type Env, type GivenFlags, isGiven, resolveSettings, setting } from './setting-table.js';
import type { SourceOptions } from './source.js';

const onePath = kind.path();

/** `--kubeconfig` names one file; `KUBECONFIG`, as kubectl reads it, a list merged in order. */
const kubeconfigFiles: kind.Kind<string[]> = {
  label: `path (KUBECONFIG: a "${delimiter}"-separated list)`,
  yargs: { type: 'string' },
  fromFlag: (given, name) => [onePath.fromFlag(given, name)],
  fromEnv: (raw, name) => {
    const files = raw.split(delimiter).filter((file) => file !== '');
    if (files.length === 0) return [onePath.fromEnv('', name)];
    return files;
  },
  format: (files) => files.join(delimiter),
};

export const upstreamSettings = {
  upstreamHost: setting({
    flag: 'upstream-host',
    env: 'UPSTREAM_HOST',
    describe: 'Kubernetes API server base URL (in-cluster mode)',
    kind: kind.url(['https:', 'http:']),
    default: 'https://kubernetes.default.svc',
  }),
  upstreamTimeoutSeconds: setting({
    flag: 'upstream-timeout-seconds',
    env: 'UPSTREAM_TIMEOUT_SECONDS',
    describe: 'Timeout for one upstream request, in seconds',
    kind: kind.integer(1, 300),
    default: 5,
  }),
  saTokenPath: setting({
    flag: 'sa-token-path',
    env: 'SA_TOKEN_PATH',
    describe: 'ServiceAccount token file, re-read on every upstream fetch',
    kind: kind.text(),
    default: '/var/run/secrets/kubernetes.io/serviceaccount/token',
  }),
  saCaCertPath: setting({
    flag: 'sa-ca-cert-path',
    env: 'SA_CA_CERT_PATH',
    describe: 'CA bundle that signs the API server certificate; empty uses the system trust store',
    kind: kind.text(),
    default: '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt',
  }),
  kubeconfig: setting({
    flag: 'kubeconfig',
    env: 'KUBECONFIG',
    describe:
      'Use this kubeconfig (exec plugins, certificates, tokens); default: the in-cluster token, else ~/.kube/config',
    kind: kubeconfigFiles,
    default: undefined,
  }),
  context: setting({
    flag: 'context',
    describe: 'kubeconfig context to use (default: current-context)',
    kind: kind.text(),
    default: undefined,
  }),
};

/**
 * The upstream settings as a source's options. `otherwise`: what else the command offers
 * when no cluster can be reached, for that error (publish: building from key files).
 */
export function resolveUpstream(argv: GivenFlags, env: Env, otherwise?: string): SourceOptions {
  const s = resolveSettings(upstreamSettings, argv, env);
  return {
    upstreamHost: s.upstreamHost,
    timeoutMs: s.upstreamTimeoutSeconds * 1000,
    tokenPath: s.saTokenPath,
    caCertPath: s.saCaCertPath,
    kubeconfig: s.kubeconfig,
    kubeconfigFromEnv: s.kubeconfig !== undefined && argv[upstreamSettings.kubeconfig.flag] === undefined,
    context: s.context,
    inClusterGiven:
      isGiven(upstreamSettings.upstreamHost, argv, env) || isGiven(upstreamSettings.saTokenPath, argv, env),
    // client-go's homedir on Linux and macOS: $HOME, nothing else.
    home: env.HOME || undefined,
    otherwise,
  };
}
