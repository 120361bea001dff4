/**
 * verify's checks against crafted public setups: a small HTTPS server (test CA) serves chosen
 * bytes and headers as a bucket or a web server would, and the API-server stand-in plays the
 * cluster (same issuer) for --compare-cluster and --token-request. Each check is shown failing
 * on its own crafted case and passing on a correct setup.
 */
import type { KeyObject } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ClusterSettings } from '../src/checks/cluster.js';
import type { CheckResult } from '../src/checks/result.js';
import { runChecks, type VerifyOptions } from '../src/checks/run.js';
import { normalizeDiscovery, normalizeJwks } from '../src/core/documents.js';
import { resolvePublishConfig } from '../src/publish/config.js';
import { runPublish } from '../src/publish/run.js';
import { type ApiServerStandIn, randomToken, startApiServer } from './support/apiserver.js';
import { createTestPki, type TestPki } from './support/pki.js';
import { type PublicServer, type Reply, startPublicServer } from './support/public-server.js';
import { nextRsaKeyPair } from './support/rsa-keys.js';

const GOOD_HEADERS = { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' };
const NORMALIZE = { pretty: true, jwksUri: { mode: 'auto' as const } };

let workdir: string;
let pki: TestPki;
let site: PublicServer;
let apiserver: ApiServerStandIn;
let issuer: string;
let discoveryPath: string;
let jwksPath: string;
let clusterToken: string;
let originalKeys: KeyObject[];
let cluster: ClusterSettings;

/** What `publish` would write for the cluster's current documents, served the way it would be. */
function publish(overrides: { discovery?: Reply; jwks?: Reply } = {}): void {
  const discovery = normalizeDiscovery(JSON.parse(apiserver.discoveryJson()), NORMALIZE);
  const jwks = normalizeJwks(JSON.parse(apiserver.jwksJson()), NORMALIZE);
  site.routes.clear();
  site.routes.set(discoveryPath, { headers: GOOD_HEADERS, body: discovery.body, ...overrides.discovery });
  site.routes.set(jwksPath, { headers: GOOD_HEADERS, body: jwks.body, ...overrides.jwks });
}

function options(extra: Partial<VerifyOptions> = {}): VerifyOptions {
  return { issuer, extraCa: pki.caCertPem, allowPrivate: true, timeoutMs: 5000, cluster, ...extra };
}

function result(results: CheckResult[], check: string): CheckResult {
  const found = results.find((r) => r.check === check);
  if (!found) throw new Error(`no ${check} in ${JSON.stringify(results, null, 2)}`);
  return found;
}

/** The checks that failed, by name. */
function failed(results: CheckResult[]): string[] {
  return results.filter((r) => r.status === 'fail').map((r) => r.check);
}

async function tokenFile(token: string): Promise<string> {
  const path = join(workdir, `token-${randomToken().slice(0, 8)}`);
  await writeFile(path, `${token}\n`);
  return path;
}

beforeAll(async () => {
  workdir = await mkdtemp(join(tmpdir(), 'kube-oidc-gateway-verify-'));
  pki = await createTestPki();
  site = await startPublicServer(pki);
  // The issuer is a path under the public server, as with a bucket: https://host/<bucket>/<prefix>.
  issuer = `${site.base}/oidc/cluster-a`;
  discoveryPath = '/oidc/cluster-a/.well-known/openid-configuration';
  jwksPath = '/oidc/cluster-a/openid/v1/jwks';
  clusterToken = randomToken();
  // kube-apiserver with --service-account-issuer set to the public URL and its own (private) jwks_uri.
  apiserver = await startApiServer({ issuer, pki, tokens: [clusterToken] });
  originalKeys = apiserver.keys.map((k) => k.privateKey);
  const tokenPath = join(workdir, 'cluster-token');
  await writeFile(tokenPath, `${clusterToken}\n`);
  cluster = {
    source: {
      upstreamHost: apiserver.url,
      timeoutMs: 5000,
      tokenPath,
      caCertPath: pki.caCertPath,
      kubeconfig: undefined,
      context: undefined,
    },
    normalize: NORMALIZE,
  };
});

afterAll(async () => {
  await site?.close();
  await apiserver?.close();
  await pki?.cleanup();
  await rm(workdir, { recursive: true, force: true });
});

beforeEach(() => {
  apiserver.setKeys(originalKeys);
  publish();
  site.requests.length = 0;
});

describe('a correct setup', () => {
  it('passes every check, in the order a relying party meets them, fetching anonymously', async () => {
    const tokenPath = '/api/v1/namespaces/ci/serviceaccounts/verifier/token';
    // Counted from here: other tests in this file mint tokens for the same ServiceAccount.
    const tokenRequestsBefore = apiserver.count(tokenPath);
    const results = await runChecks(
      options({
        compareCluster: true,
        providers: ['gcp'],
        token: { kind: 'request', serviceAccount: { namespace: 'ci', name: 'verifier' } },
        audience: 'sts.amazonaws.com',
      }),
    );
    expect(failed(results)).toEqual([]);
    expect(results.map((r) => `${r.status} ${r.check}`)).toEqual([
      'ok issuer-https',
      'warn issuer-public',
      'ok discovery-fetch',
      'ok discovery-content-type',
      'ok discovery-cache-control',
      'ok discovery-valid',
      'ok issuer-match',
      'ok jwks-uri-https',
      'warn jwks-uri-public',
      'ok jwks-fetch',
      'ok jwks-content-type',
      'ok jwks-cache-control',
      'ok jwks-valid',
      'ok jwks-key-count',
      'ok gcp-members',
      'ok gcp-key-type',
      'ok cluster-fetch',
      'ok cluster-discovery',
      'ok cluster-keys',
      'ok token-request',
      'ok token-issuer',
      'ok token-signature',
      'ok token-audience',
    ]);
    expect(result(results, 'token-signature').message).toContain(apiserver.keys[0]?.kid);
    // Exactly the two documents, without credentials, as AWS STS or GCP would fetch them.
    expect(site.requests).toEqual([`GET ${discoveryPath}`, `GET ${jwksPath}`]);
    // The TokenRequest went to the stand-in for the named ServiceAccount.
    expect(apiserver.count(tokenPath) - tokenRequestsBefore).toBe(1);
  });

  it('accepts a token file issued by the cluster, and the JWKS content type kube-apiserver uses', async () => {
    publish({ jwks: { headers: { ...GOOD_HEADERS, 'content-type': 'application/jwk-set+json' } } });
    const token = await apiserver.mintToken({ namespace: 'default', name: 'app' });
    const results = await runChecks(options({ token: { kind: 'file', path: await tokenFile(token) } }));
    expect(failed(results)).toEqual([]);
    expect(result(results, 'token-read').status).toBe('ok');
    expect(result(results, 'token-signature').status).toBe('ok');
  });
});

describe('issuer', () => {
  it('fails on a trailing-slash mismatch, byte for byte', async () => {
    const results = await runChecks(options({ issuer: `${issuer}/` }));
    // The discovery URL is the same either way (OIDC Discovery drops the slash), the issuer is not.
    expect(result(results, 'discovery-fetch').status).toBe('ok');
    expect(failed(results)).toEqual(['issuer-match']);
    expect(result(results, 'issuer-match').message).toBe(
      `discovery issuer "${issuer}" is not --issuer "${issuer}/" (they differ only in a trailing slash, which counts)`,
    );
  });

  it('fails on a token whose iss is not the issuer', async () => {
    const signer = apiserver.keys[0];
    if (!signer) throw new Error('no key');
    const token = await new SignJWT({ iss: `${issuer}/`, sub: 'system:serviceaccount:default:app' })
      .setProtectedHeader({ alg: signer.alg, kid: signer.kid })
      .sign(signer.privateKey);
    const results = await runChecks(options({ token: { kind: 'file', path: await tokenFile(token) } }));
    expect(failed(results)).toEqual(['token-issuer']);
    expect(result(results, 'token-signature').status).toBe('ok');
  });

  it('fails an http issuer, and does not fetch under it', async () => {
    const results = await runChecks(options({ issuer: 'http://127.0.0.1:9/oidc', timeoutMs: 1000 }));
    expect(result(results, 'issuer-https')).toMatchObject({ status: 'fail' });
    expect(result(results, 'issuer-https').message).toContain('is not https');
    expect(result(results, 'discovery-fetch')).toMatchObject({ status: 'skip' });
  });
});

describe('private addresses', () => {
  it('fails a loopback issuer without --allow-private, and requests nothing under it', async () => {
    const results = await runChecks(options({ allowPrivate: false }));
    expect(result(results, 'issuer-public').message).toContain('127.0.0.1 is a loopback address');
    expect(failed(results)).toEqual(['issuer-public']);
    expect(result(results, 'discovery-fetch')).toEqual({
      check: 'discovery-fetch',
      status: 'skip',
      message: `${issuer}/.well-known/openid-configuration not fetched: the issuer failed issuer-public`,
    });
    expect(site.requests).toEqual([]);
  });

  it('fails a jwks_uri that only resolves inside the cluster without --allow-private, and does not fetch it', async () => {
    const discovery = JSON.parse(apiserver.discoveryJson());
    // kube-apiserver's default: its own in-cluster address (kept with --jwks-uri keep).
    discovery.jwks_uri = 'https://kubernetes.default.svc.cluster.local/openid/v1/jwks';
    publish({ discovery: { headers: GOOD_HEADERS, body: JSON.stringify(discovery) } });
    // The discovery document from an explicit URL (publish --check-public-url), so it is fetched.
    const results = await runChecks(
      options({ allowPrivate: false, discoveryUrl: `${site.base}${discoveryPath}` }),
    );
    expect(result(results, 'jwks-uri-public')).toEqual({
      check: 'jwks-uri-public',
      status: 'fail',
      message:
        'jwks_uri host kubernetes.default.svc.cluster.local is a cluster-internal name (.cluster.local); ' +
        'relying parties on the internet cannot reach it',
    });
    expect(failed(results)).toEqual(['issuer-public', 'jwks-uri-public']);
    expect(result(results, 'jwks-fetch')).toMatchObject({ status: 'skip' });
  });

  it('turns them into warnings with --allow-private', async () => {
    const results = await runChecks(options({ allowPrivate: true }));
    expect(result(results, 'issuer-public').status).toBe('warn');
    expect(result(results, 'jwks-uri-public')).toMatchObject({ status: 'warn' });
    expect(result(results, 'jwks-uri-public').message).toContain('(allowed by --allow-private)');
    expect(failed(results)).toEqual([]);
  });
});

describe('fetching', () => {
  it('fails a redirect on the discovery document instead of following it', async () => {
    site.routes.set(discoveryPath, {
      status: 302,
      headers: { location: `${issuer}/elsewhere/openid-configuration` },
    });
    site.routes.set(`${issuer}/elsewhere/openid-configuration`, { headers: GOOD_HEADERS, body: '{}' });
    const results = await runChecks(options());
    expect(result(results, 'discovery-fetch').message).toBe(
      `${issuer}/.well-known/openid-configuration: HTTP 302 redirect to ${issuer}/elsewhere/openid-configuration; ` +
        'relying parties do not follow redirects',
    );
    expect(failed(results)).toEqual(['discovery-fetch']);
    // Nothing after the discovery document can be checked, and nothing else was fetched.
    expect(results.map((r) => r.check)).toEqual(['issuer-https', 'issuer-public', 'discovery-fetch']);
    expect(site.requests).toEqual([`GET ${discoveryPath}`]);
  });

  it('fails a redirect on the JWKS', async () => {
    publish({ jwks: { status: 301, headers: { location: 'https://example.com/jwks' } } });
    const results = await runChecks(options());
    expect(failed(results)).toEqual(['jwks-fetch']);
    expect(result(results, 'jwks-fetch').message).toContain('HTTP 301 redirect to https://example.com/jwks');
  });

  it('fails a missing JWKS object and a body that is not JSON', async () => {
    site.routes.delete(jwksPath);
    expect(failed(await runChecks(options()))).toEqual(['jwks-fetch']);
    publish({ discovery: { headers: { 'content-type': 'text/html' }, body: '<html>Sign in</html>' } });
    const results = await runChecks(options());
    expect(failed(results)).toEqual(['discovery-fetch']);
    expect(result(results, 'discovery-fetch').message).toContain('HTTP 200 but the body is not valid JSON');
  });

  it('fetches the discovery document from another URL when told to (publish --check-public-url)', async () => {
    const mirror = '/bucket-origin/.well-known/openid-configuration';
    const published = site.routes.get(discoveryPath);
    if (!published) throw new Error('nothing published');
    site.routes.set(mirror, published);
    site.routes.delete(discoveryPath);
    const results = await runChecks(options({ discoveryUrl: `${site.base}${mirror}` }));
    expect(failed(results)).toEqual([]);
    // The issuer is still judged against the document; the keys come from its jwks_uri.
    expect(result(results, 'issuer-match').status).toBe('ok');
    expect(site.requests).toEqual([`GET ${mirror}`, `GET ${jwksPath}`]);
  });

  it('fails when the server certificate is not trusted (no --ca)', async () => {
    const results = await runChecks(options({ extraCa: undefined }));
    expect(failed(results)).toEqual(['discovery-fetch']);
    expect(result(results, 'discovery-fetch').message).toMatch(/certificate/i);
  });
});

describe('headers', () => {
  it('fails a wrong content type', async () => {
    publish({ jwks: { headers: { ...GOOD_HEADERS, 'content-type': 'binary/octet-stream' } } });
    const results = await runChecks(options());
    expect(failed(results)).toEqual(['jwks-content-type']);
    expect(result(results, 'jwks-content-type').message).toBe(
      '"binary/octet-stream" is not application/json or application/jwk-set+json',
    );
  });

  it('fails no-cache', async () => {
    publish({ discovery: { headers: { ...GOOD_HEADERS, 'cache-control': 'no-cache' } } });
    const results = await runChecks(options());
    expect(failed(results)).toEqual(['discovery-cache-control']);
    expect(result(results, 'discovery-cache-control').message).toBe('"no-cache" forbids caching (no-cache)');
  });

  it('fails a max-age over --max-age-limit and a missing Cache-Control', async () => {
    publish({ jwks: { headers: { 'content-type': 'application/json' } } });
    const results = await runChecks(options({ maxAgeLimitSeconds: 60 }));
    expect(failed(results)).toEqual(['discovery-cache-control', 'jwks-cache-control']);
    expect(result(results, 'discovery-cache-control').message).toContain(
      'max-age 300 s is over the limit of 60 s',
    );
    expect(result(results, 'jwks-cache-control').message).toContain('no Cache-Control header');
  });
});

describe('documents', () => {
  it('fails a JWKS carrying a private key member, through the core validation', async () => {
    const jwks = JSON.parse(apiserver.jwksJson());
    jwks.keys[0].d = 'c2VjcmV0';
    publish({ jwks: { headers: GOOD_HEADERS, body: JSON.stringify(jwks) } });
    const results = await runChecks(options());
    expect(failed(results)).toEqual(['jwks-valid']);
    expect(result(results, 'jwks-valid').message).toContain('carries private key material (d)');
  });

  it('fails more than 100 keys', async () => {
    const jwks = JSON.parse(apiserver.jwksJson());
    const [rsa] = jwks.keys;
    jwks.keys = Array.from({ length: 101 }, (_, i) => ({ ...rsa, kid: `kid-${i}` }));
    publish({ jwks: { headers: GOOD_HEADERS, body: JSON.stringify(jwks) } });
    const results = await runChecks(options());
    expect(failed(results)).toEqual(['jwks-key-count']);
  });
});

describe("--provider: each cloud's rules on what was fetched", () => {
  it('gcp: fails members GCP does not accept, only when gcp is asked for', async () => {
    const jwks = JSON.parse(apiserver.jwksJson());
    // A well-formed SHA-1 thumbprint: valid for the core validation, a member GCP refuses.
    jwks.keys[0].x5t = Buffer.alloc(20, 7).toString('base64url');
    publish({ jwks: { headers: GOOD_HEADERS, body: JSON.stringify(jwks) } });
    expect(failed(await runChecks(options()))).toEqual([]);
    expect(failed(await runChecks(options({ providers: ['aws', 'azure'] })))).not.toContain('gcp-members');
    const results = await runChecks(options({ providers: ['gcp'] }));
    expect(failed(results)).toEqual(['gcp-members']);
    expect(result(results, 'gcp-members').message).toContain(`kid "${jwks.keys[0].kid}" has x5t`);
  });

  it("aws: prints the measured times; the test server's port is what IAM would refuse", async () => {
    const results = await runChecks(options({ providers: ['aws'] }));
    expect(failed(results)).toEqual(['aws-issuer']);
    expect(result(results, 'aws-issuer').message).toBe(
      `issuer "${issuer}" has port ${new URL(issuer).port}; IAM takes an https URL with no port, query or fragment`,
    );
    expect(result(results, 'aws-fetch-time')).toMatchObject({ status: 'ok' });
    expect(result(results, 'aws-fetch-time').message).toMatch(
      /^discovery document \d+ ms, JWKS \d+ ms, within the 5000 ms STS waits$/,
    );
    expect(result(results, 'aws-key-count').message).toBe('1 RSA and 1 EC key, of at most 100 of each type');
    expect(results.slice(-5).map((r) => r.check)).toEqual([
      'aws-issuer',
      'aws-fetch-time',
      'aws-key-count',
      'aws-alg',
      'aws-kid',
    ]);
  });

  it('aws-fetch-time: fails a document that answers after STS would have given up', async () => {
    const limitMs = 300;
    publish({ jwks: { delayMs: 2 * limitMs } });
    const results = await runChecks(options({ providers: ['aws'], stsFetchLimitMs: limitMs }));
    // The fetch itself is fine (verify waits --timeout-seconds); STS would not have waited.
    expect(result(results, 'jwks-fetch').status).toBe('ok');
    expect(failed(results)).toEqual(['aws-issuer', 'aws-fetch-time']);
    const { message } = result(results, 'aws-fetch-time');
    expect(message).toMatch(/took longer than the 300 ms STS waits$/);
    expect(message).toMatch(/the (discovery document and the )?JWKS took longer/);
    const measured = Number(/JWKS (\d+) ms/.exec(message)?.[1]);
    expect(measured).toBeGreaterThanOrEqual(2 * limitMs);
  });

  it("azure: fails the stand-in's ES256 key, passes an RS256-only set", async () => {
    const jwks = JSON.parse(apiserver.jwksJson());
    const ecKey = jwks.keys.find((key: { kty: string }) => key.kty === 'EC');
    const mixed = await runChecks(options({ providers: ['azure'] }));
    expect(failed(mixed)).toEqual(['azure-alg']);
    expect(result(mixed, 'azure-alg').message).toBe(
      `Entra accepts RS256-signed tokens only; a token from kid "${ecKey.kid}" (EC ES256) would be refused`,
    );

    jwks.keys = jwks.keys.filter((key: { kty: string }) => key.kty === 'RSA');
    publish({ jwks: { headers: GOOD_HEADERS, body: JSON.stringify(jwks) } });
    const rsaOnly = await runChecks(options({ providers: ['azure'] }));
    expect(failed(rsaOnly)).toEqual([]);
    expect(rsaOnly.slice(-2).map((r) => `${r.status} ${r.check}`)).toEqual([
      'ok azure-issuer',
      'ok azure-alg',
    ]);
  });

  it('a failed JWKS fetch leaves out the rules on keys, not those on the issuer', async () => {
    site.routes.delete(jwksPath);
    const results = await runChecks(options({ providers: ['aws', 'gcp', 'azure'] }));
    expect(failed(results)).toEqual(['jwks-fetch', 'aws-issuer']);
    expect(results.slice(-3).map((r) => r.check)).toEqual(['aws-issuer', 'aws-fetch-time', 'azure-issuer']);
    expect(result(results, 'aws-fetch-time').message).toMatch(/^discovery document \d+ ms, within/);
  });
});

describe('--compare-cluster', () => {
  it('fails when a key the cluster serves is missing from the public JWKS', async () => {
    const added = apiserver.addKey('EC');
    const results = await runChecks(options({ compareCluster: true }));
    expect(failed(results)).toEqual(['cluster-keys']);
    expect(result(results, 'cluster-keys').message).toContain(`not published: ${added.kid}`);
  });

  it('reports, without failing, published keys the cluster no longer serves', async () => {
    const retained = apiserver.keys[1];
    if (!retained) throw new Error('no second key');
    expect(retained.alg).toBe('ES256');
    // What publish really leaves after the EC key is rotated out: a run before, a run after.
    const folder = await mkdtemp(join(workdir, 'published-'));
    const env = {
      UPSTREAM_HOST: apiserver.url,
      SA_TOKEN_PATH: cluster.source.tokenPath,
      SA_CA_CERT_PATH: pki.caCertPath,
    };
    const io = { stdout: { write: () => true }, stderr: { write: () => true } };
    expect((await runPublish(resolvePublishConfig({ dest: [folder] }, env), io)).ok).toBe(true);
    apiserver.removeKey(retained.kid);
    expect((await runPublish(resolvePublishConfig({ dest: [folder] }, env), io)).ok).toBe(true);
    const discovery = await readFile(join(folder, '.well-known/openid-configuration'));
    const jwks = await readFile(join(folder, 'openid/v1/jwks'));
    // The retained EC key keeps ES256 advertised, which the cluster no longer lists.
    expect(JSON.parse(discovery.toString()).id_token_signing_alg_values_supported).toEqual([
      'ES256',
      'RS256',
    ]);
    expect(JSON.parse(apiserver.discoveryJson()).id_token_signing_alg_values_supported).toEqual(['RS256']);
    publish({
      discovery: { headers: GOOD_HEADERS, body: discovery },
      jwks: { headers: GOOD_HEADERS, body: jwks },
    });

    const results = await runChecks(options({ compareCluster: true }));
    expect(failed(results)).toEqual([]);
    expect(result(results, 'cluster-keys').message).toBe(
      `all 1 cluster keys are published; 1 more published key(s) the cluster no longer serves: ${retained.kid}`,
    );
    expect(result(results, 'cluster-discovery').message).toBe(
      'the public discovery document matches the cluster’s; it also lists ES256 for published keys the cluster no longer serves',
    );
  });

  it('still fails an alg listed publicly that no published key uses', async () => {
    const discovery = JSON.parse(apiserver.discoveryJson());
    discovery.id_token_signing_alg_values_supported = ['ES256', 'PS256', 'RS256'];
    publish({ discovery: { headers: GOOD_HEADERS, body: normalizeDiscovery(discovery, NORMALIZE).body } });
    const results = await runChecks(options({ compareCluster: true }));
    expect(failed(results)).toEqual(['cluster-discovery']);
  });

  it('fails a key published under the cluster’s kid with other key material', async () => {
    const jwks = JSON.parse(apiserver.jwksJson());
    const other = nextRsaKeyPair().publicKey.export({ format: 'jwk' });
    jwks.keys[0].n = other.n;
    publish({ jwks: { headers: GOOD_HEADERS, body: JSON.stringify(jwks) } });
    const results = await runChecks(options({ compareCluster: true }));
    expect(failed(results)).toEqual(['cluster-keys']);
    expect(result(results, 'cluster-keys').message).toContain('published with different key material');
  });

  it('compares the discovery document after the same normalization', async () => {
    // Compact instead of pretty: the same document once normalized.
    const compact = normalizeDiscovery(JSON.parse(apiserver.discoveryJson()), {
      ...NORMALIZE,
      pretty: false,
    });
    publish({ discovery: { headers: GOOD_HEADERS, body: compact.body } });
    expect(failed(await runChecks(options({ compareCluster: true })))).toEqual([]);

    const stale = JSON.parse(compact.body.toString());
    stale.id_token_signing_alg_values_supported = ['RS256'];
    publish({ discovery: { headers: GOOD_HEADERS, body: JSON.stringify(stale) } });
    const results = await runChecks(options({ compareCluster: true }));
    expect(failed(results)).toEqual(['cluster-discovery']);
    expect(result(results, 'cluster-discovery').message).toContain(
      'id_token_signing_alg_values_supported: public ["RS256"], cluster ["ES256","RS256"]',
    );
  });

  it('fails when the cluster cannot be reached', async () => {
    const unreachable = { ...cluster, source: { ...cluster.source, upstreamHost: 'https://127.0.0.1:9' } };
    const results = await runChecks(options({ compareCluster: true, cluster: unreachable }));
    expect(failed(results)).toEqual(['cluster-fetch']);
    expect(result(results, 'cluster-fetch').message).toContain('ECONNREFUSED');
  });
});

describe('tokens', () => {
  it('fails a token signed by a key that is not published', async () => {
    const unpublished = nextRsaKeyPair().privateKey;
    const token = await apiserver.mintToken({ namespace: 'default', name: 'app', signWith: unpublished });
    const results = await runChecks(options({ token: { kind: 'file', path: await tokenFile(token) } }));
    expect(failed(results)).toEqual(['token-signature']);
    expect(result(results, 'token-signature').message).toContain(
      'it was signed by a key that is not published',
    );
    expect(result(results, 'token-issuer').status).toBe('ok');
  });

  it('fails a token from a key the cluster signs with but that is not published yet', async () => {
    const added = apiserver.addKey('RSA');
    const token = await apiserver.mintToken({ namespace: 'default', name: 'app', signWith: added.kid });
    const results = await runChecks(
      options({ compareCluster: true, token: { kind: 'file', path: await tokenFile(token) } }),
    );
    expect(failed(results)).toEqual(['cluster-keys', 'token-signature']);
  });

  it('fails a token without the --audience', async () => {
    const token = await apiserver.mintToken({ namespace: 'default', name: 'app' });
    const results = await runChecks(
      options({ token: { kind: 'file', path: await tokenFile(token) }, audience: 'sts.amazonaws.com' }),
    );
    expect(failed(results)).toEqual(['token-audience']);
  });

  it('fails an unreadable token file and a refused TokenRequest', async () => {
    const missing = await runChecks(options({ token: { kind: 'file', path: join(workdir, 'nope') } }));
    expect(failed(missing)).toEqual(['token-read']);
    expect(result(missing, 'token-read').message).toContain('ENOENT');

    const wrongToken = join(workdir, 'wrong-token');
    await writeFile(wrongToken, 'not-a-known-token');
    const refused = await runChecks(
      options({
        token: { kind: 'request', serviceAccount: { namespace: 'ci', name: 'verifier' } },
        cluster: { ...cluster, source: { ...cluster.source, tokenPath: wrongToken } },
      }),
    );
    expect(failed(refused)).toEqual(['token-request']);
    expect(result(refused, 'token-request').message).toContain(
      'TokenRequest for ci/verifier failed: HTTP 401',
    );
  });

  it('mints through a kubeconfig too', async () => {
    const kubeconfig = join(workdir, 'kubeconfig.yaml');
    await writeFile(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        `- name: test\n  cluster:\n    server: ${apiserver.url}\n    certificate-authority: ${pki.caCertPath}`,
        `users:\n- name: ci\n  user:\n    token: ${clusterToken}`,
        'contexts:\n- name: test\n  context:\n    cluster: test\n    user: ci',
        'current-context: test',
        '',
      ].join('\n'),
    );
    const viaKubeconfig = {
      ...cluster,
      source: { ...cluster.source, kubeconfig: [kubeconfig], upstreamHost: 'https://unused' },
    };
    const results = await runChecks(
      options({
        cluster: viaKubeconfig,
        compareCluster: true,
        token: { kind: 'request', serviceAccount: { namespace: 'ci', name: 'verifier' } },
      }),
    );
    expect(failed(results)).toEqual([]);
    expect(result(results, 'cluster-fetch').message).toContain('kubeconfig context "test"');
    expect(result(results, 'token-signature').status).toBe('ok');
  });
});
