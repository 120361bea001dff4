import { describe, expect, it } from 'vitest';
import { resolveServeConfig } from './config.js';

describe('resolveServeConfig', () => {
  it('has the Go gateway defaults', () => {
    const config = resolveServeConfig({}, {});
    expect(config).toMatchObject({
      listenAddr: '0.0.0.0',
      listenPort: 8080,
      cacheTtlMs: 60_000,
      clientCacheTtlSeconds: 3600,
      maxStaleMs: 86_400_000,
      logFormat: 'json',
      source: {
        upstreamHost: 'https://kubernetes.default.svc',
        timeoutMs: 5000,
        tokenPath: '/var/run/secrets/kubernetes.io/serviceaccount/token',
        caCertPath: '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt',
        kubeconfig: undefined,
      },
      normalize: { pretty: true, jwksUri: { mode: 'auto' } },
    });
  });

  it('reads the environment, and a flag wins over its variable', () => {
    const env = { CACHE_TTL_SECONDS: '30', PRETTY_PRINT_JSON: 'false', LISTEN_PORT: '9000' };
    const config = resolveServeConfig({ 'listen-port': '9100' }, env);
    expect(config.cacheTtlMs).toBe(30_000);
    expect(config.normalize.pretty).toBe(false);
    expect(config.listenPort).toBe(9100);
  });

  it.each([
    [{ CACHE_TTL_SECONDS: 'abc' }, 'invalid CACHE_TTL_SECONDS: "abc" is not a whole number'],
    [{ LISTEN_PORT: '70000' }, 'invalid LISTEN_PORT: "70000" is out of range 0..65535'],
    [{ PRETTY_PRINT_JSON: 'yes' }, 'invalid PRETTY_PRINT_JSON: "yes" is not a boolean'],
    [{ UPSTREAM_TIMEOUT_SECONDS: '-1' }, 'invalid UPSTREAM_TIMEOUT_SECONDS'],
    [{ UPSTREAM_HOST: 'kubernetes' }, 'invalid UPSTREAM_HOST: "kubernetes" is not a URL'],
    [{ LOG_FORMAT: 'xml' }, 'invalid LOG_FORMAT: "xml" is not one of json, text'],
    [{ JWKS_URI: 'http://x' }, 'invalid JWKS_URI'],
  ])('rejects %j naming the variable', (env, message) => {
    expect(() => resolveServeConfig({}, env)).toThrow(message);
  });

  it('names the flag when the bad value came from a flag', () => {
    expect(() => resolveServeConfig({ 'cache-ttl-seconds': '1.5' }, {})).toThrow(
      'invalid --cache-ttl-seconds',
    );
  });

  it('selects the kubeconfig source from KUBECONFIG or --kubeconfig', () => {
    expect(resolveServeConfig({}, { KUBECONFIG: '/a:/b' }).source.kubeconfig).toEqual(['/a', '/b']);
    expect(resolveServeConfig({ kubeconfig: '/k' }, { KUBECONFIG: '/a' }).source.kubeconfig).toEqual(['/k']);
    // A flag names one file, whatever it contains; an empty one is refused, naming its source.
    expect(resolveServeConfig({ kubeconfig: '/a:/b' }, {}).source.kubeconfig).toEqual(['/a:/b']);
    expect(() => resolveServeConfig({ kubeconfig: '' }, {})).toThrow('invalid --kubeconfig: empty path');
    expect(() => resolveServeConfig({}, { KUBECONFIG: '' })).toThrow('invalid KUBECONFIG: empty path');
  });
});
