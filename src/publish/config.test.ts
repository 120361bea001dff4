import { describe, expect, it } from 'vitest';
import { resolvePublishConfig } from './config.js';

function errorOf(fn: () => unknown): { code: string | undefined; message: string } {
  try {
    fn();
  } catch (error) {
    return { code: (error as { code?: string }).code, message: (error as Error).message };
  }
  throw new Error('expected a throw');
}

describe('--retain-removed-keys', () => {
  const retainMs = (raw: string) =>
    resolvePublishConfig({ dest: ['/srv'], 'retain-removed-keys': raw }, {}).retainMs;

  it.each([
    ['24h', 86_400_000],
    ['90m', 5_400_000],
    ['1h30m', 5_400_000],
    ['45s', 45_000],
    ['3600', 3_600_000],
    ['0', 0],
  ])('%s is %i ms', (raw, ms) => {
    expect(retainMs(raw)).toBe(ms);
  });

  it.each(['', 'h', '1d', '-1h', '1.5h', '30m1h', '9000h'])('refuses %j naming the flag', (raw) => {
    const error = errorOf(() => retainMs(raw));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('invalid --retain-removed-keys');
  });
});

describe('resolvePublishConfig', () => {
  it('has the documented defaults', () => {
    const config = resolvePublishConfig({ dest: ['/srv/oidc'] }, {});
    expect(config).toMatchObject({
      maxAgeSeconds: 300,
      retainMs: 86_400_000,
      publicRead: false,
      dryRun: false,
      output: 'text',
      checkPublicUrls: [],
      store: { s3ForcePathStyle: false, timeoutMs: 30_000 },
      normalize: { pretty: true, jwksUri: { mode: 'auto' } },
      source: { kind: 'cluster', options: { upstreamHost: 'https://kubernetes.default.svc' } },
    });
  });

  it('passes --azure-endpoint to the stores, and refuses one that is not a URL', () => {
    const endpoint = 'http://127.0.0.1:10000/devstoreaccount1';
    const config = resolvePublishConfig(
      { dest: ['az://devstoreaccount1/$web'], 'azure-endpoint': endpoint },
      {},
    );
    expect(config.store.azureEndpoint).toBe(endpoint);
    expect(() => resolvePublishConfig({ dest: ['/srv/oidc'], 'azure-endpoint': 'not a url' }, {})).toThrow(
      /invalid --azure-endpoint/,
    );
  });

  it('takes every --dest and every PUBLISH_DEST entry, flags over variables', () => {
    const env = { PUBLISH_DEST: 's3://bucket/a, gs://bucket/b\n/srv/c' };
    expect(resolvePublishConfig({}, env).destinations.map((d) => d.description)).toEqual([
      's3://bucket/a',
      'gs://bucket/b',
      '/srv/c',
    ]);
    expect(resolvePublishConfig({ dest: ['s3://bucket/z'] }, env).destinations).toHaveLength(1);
  });

  it('refuses the same destination twice', () => {
    expect(
      errorOf(() => resolvePublishConfig({ dest: ['s3://bucket/a/', 's3://bucket/a'] }, {})).message,
    ).toBe('invalid --dest: "s3://bucket/a" is given twice');
  });

  it('builds a key-file source from --from-keys and --issuer', () => {
    const config = resolvePublishConfig(
      { dest: ['/srv/oidc'], 'from-keys': ['a.pub', 'b.key'], issuer: 'https://oidc.example.com' },
      {},
    );
    expect(config.source).toEqual({
      kind: 'keys',
      files: ['a.pub', 'b.key'],
      issuer: 'https://oidc.example.com',
    });
  });

  it('publishes the cluster as the --issuer or PUBLISH_ISSUER given (issuer migration), else as its own', () => {
    const old = 'https://old.example.com/cluster-1';
    expect(resolvePublishConfig({ dest: ['/srv'], issuer: old }, {}).source).toMatchObject({
      kind: 'cluster',
      issuer: old,
    });
    expect(resolvePublishConfig({ dest: ['/srv'] }, { PUBLISH_ISSUER: old }).source).toMatchObject({
      kind: 'cluster',
      issuer: old,
    });
    expect(resolvePublishConfig({ dest: ['/srv'] }, {}).source).toMatchObject({
      kind: 'cluster',
      issuer: undefined,
    });
  });

  it.each([
    [
      { issuer: 'http://oidc.example.com' },
      {},
      'invalid --issuer: issuer "http://oidc.example.com" is not https',
    ],
    [
      {},
      { PUBLISH_ISSUER: 'https://h/a/../c1' },
      'invalid PUBLISH_ISSUER: issuer "https://h/a/../c1" is not canonical; did you mean "https://h/c1"?',
    ],
    [{ issuer: 'https://h/c1?x' }, {}, 'invalid --issuer: issuer "https://h/c1?x" has a query'],
  ])(
    'checks --issuer as any discovery document’s issuer, from a cluster or keys: %j %j',
    (argv, env, message) => {
      for (const source of [{}, { 'from-keys': ['k.pem'] }]) {
        const error = errorOf(() => resolvePublishConfig({ dest: ['/srv'], ...source, ...argv }, env));
        expect(error).toEqual({ code: 'CONFIG_INVALID', message });
      }
    },
  );

  it('takes --issuer over PUBLISH_ISSUER, which is then not read', () => {
    const config = resolvePublishConfig(
      { dest: ['/srv'], 'from-keys': ['k.pem'], issuer: 'https://h/c1' },
      { PUBLISH_ISSUER: 'oops' },
    );
    expect(config.source).toEqual({ kind: 'keys', files: ['k.pem'], issuer: 'https://h/c1' });
  });

  it('takes the store deadline from --store-timeout-seconds or PUBLISH_STORE_TIMEOUT_SECONDS, 1..300', () => {
    const env = { PUBLISH_STORE_TIMEOUT_SECONDS: '10' };
    expect(resolvePublishConfig({ dest: ['/srv'] }, env).store.timeoutMs).toBe(10_000);
    expect(resolvePublishConfig({ dest: ['/srv'], 'store-timeout-seconds': '2' }, env).store.timeoutMs).toBe(
      2000,
    );
    expect(
      errorOf(() => resolvePublishConfig({ dest: ['/srv'] }, { PUBLISH_STORE_TIMEOUT_SECONDS: '0' })).message,
    ).toBe('invalid PUBLISH_STORE_TIMEOUT_SECONDS: "0" is out of range 1..300');
  });

  it('strips the trailing slash of a --check-public-url base', () => {
    const config = resolvePublishConfig(
      { dest: ['/srv'], 'check-public-url': ['https://oidc.example.com/c1/'] },
      {},
    );
    expect(config.checkPublicUrls).toEqual(['https://oidc.example.com/c1']);
  });

  it('takes --max-age, --public-read and --dry-run', () => {
    expect(
      resolvePublishConfig({ dest: ['/srv'], 'max-age': '60', 'public-read': true, 'dry-run': true }, {}),
    ).toMatchObject({ maxAgeSeconds: 60, publicRead: true, dryRun: true });
  });

  // As yargs hands them over: strings, and arrays for the list flags (the CLI's exit 2 is in test/publish.cli.test.ts).
  it.each([
    [{ dest: ['s3://Bad_Bucket/x'] }, {}, 'invalid --dest: "s3://Bad_Bucket/x" has an invalid bucket name'],
    [{ 'retain-removed-keys': '5x' }, {}, 'invalid --retain-removed-keys: "5x" is not a duration'],
    [{}, { PUBLISH_MAX_AGE: 'abc' }, 'invalid PUBLISH_MAX_AGE: "abc" is not a whole number'],
    [{ output: 'yaml' }, {}, 'invalid --output: "yaml" is not one of text, json'],
    [{ 'from-keys': ['k.pem'] }, {}, '--from-keys needs --issuer'],
    [{ 'check-public-url': ['https://x/?a=b'] }, {}, 'invalid --check-public-url'],
    [{ 'jwks-uri': 'http://x/jwks' }, {}, 'invalid --jwks-uri: "http://x/jwks" is not an https URL'],
  ])('refuses %j %j naming the flag or variable', (argv, env, expected) => {
    const error = errorOf(() => resolvePublishConfig({ dest: ['/srv/x'], ...argv }, env));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).not.toContain('\n');
    expect(error.message).toContain(expected);
  });
});

describe('--provider', () => {
  const providersOf = (argv: Record<string, unknown>, env: Record<string, string> = {}) =>
    resolvePublishConfig({ dest: ['/srv'], ...argv }, env).providers;

  it('is none by default; each named once, in report order, from flags or PUBLISH_PROVIDER', () => {
    expect(providersOf({})).toEqual([]);
    expect(providersOf({ provider: ['azure', 'aws', 'azure'] })).toEqual(['aws', 'azure']);
    expect(providersOf({}, { PUBLISH_PROVIDER: 'gcp, aws' })).toEqual(['aws', 'gcp']);
    expect(providersOf({ provider: 'azure' }, { PUBLISH_PROVIDER: 'gcp' })).toEqual(['azure']);
  });

  it.each([
    [{ provider: ['aws', 'oracle'] }, {}, 'invalid --provider: "oracle" is not one of aws, gcp, azure'],
    [{}, { PUBLISH_PROVIDER: 'aws,ibm' }, 'invalid PUBLISH_PROVIDER: "ibm" is not one of aws, gcp, azure'],
  ])('refuses an unknown cloud %j %j, naming the flag or variable', (argv, env, message) => {
    const error = errorOf(() => providersOf(argv, env));
    expect(error).toEqual({ code: 'CONFIG_INVALID', message });
  });
});
