import { createHash, generateKeyPairSync, X509Certificate } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  jwtVerify,
  SignJWT,
} from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type ApiServerStandIn,
  DISCOVERY_PATH,
  JWKS_PATH,
  kidOf,
  publicJwkOf,
  randomToken,
  startApiServer,
} from './apiserver.js';
import { createTestPki, type TestPki } from './pki.js';

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  socket: Socket;
}

interface RequestInit {
  token?: string;
  authorization?: string;
  method?: string;
  body?: string;
  agent?: https.Agent;
  /** `null` trusts only Node's default roots. */
  ca?: string | null;
  timeoutMs?: number;
}

function request(server: ApiServerStandIn, path: string, init: RequestInit = {}): Promise<Reply> {
  const authorization = init.authorization ?? (init.token === undefined ? undefined : `Bearer ${init.token}`);
  return new Promise((resolve, reject) => {
    const req = https.request(new URL(path, server.url), {
      method: init.method ?? 'GET',
      ca: init.ca === null ? undefined : (init.ca ?? server.caCertPem),
      agent: init.agent ?? false,
      headers: {
        ...(authorization && { authorization }),
        ...(init.body && { 'content-type': 'application/json' }),
      },
    });
    let socket: Socket | undefined;
    req.on('socket', (s) => {
      socket = s;
    });
    if (init.timeoutMs) req.setTimeout(init.timeoutMs, () => req.destroy(new Error('client timeout')));
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          socket: socket ?? res.socket,
        }),
      );
    });
    req.end(init.body);
  });
}

const UNAUTHORIZED =
  '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized",' +
  '"reason":"Unauthorized","code":401}\n';
const NOT_FOUND =
  '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",' +
  '"message":"the server could not find the requested resource","reason":"NotFound","details":{},"code":404}\n';

/** kid computed without the helper: hash the DER inside the SPKI PEM armor. */
function independentKid(pem: string): string {
  const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  return createHash('sha256').update(der).digest('base64url');
}

describe('createTestPki', () => {
  let pki: TestPki;
  beforeAll(async () => {
    pki = await createTestPki({ hosts: ['kubernetes.default.svc', '10.96.0.1'] });
  });
  afterAll(() => pki.cleanup());

  it('issues a CA-signed server certificate for 127.0.0.1, localhost and the extra hosts', () => {
    const ca = new X509Certificate(pki.caCertPem);
    const cert = new X509Certificate(pki.certPem);
    expect(ca.ca).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.checkIssued(ca)).toBe(true);
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(cert.checkIP('10.96.0.1')).toBe('10.96.0.1');
    expect(cert.checkHost('localhost')).toBe('localhost');
    expect(cert.checkHost('kubernetes.default.svc')).toBe('kubernetes.default.svc');
    expect(cert.checkHost('example.com')).toBeUndefined();
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']); // serverAuth EKU
    expect(Date.parse(cert.validTo) - Date.now()).toBeLessThan(25 * 3600 * 1000);
  });
});

describe('startApiServer', () => {
  let server: ApiServerStandIn;
  let token: string;

  beforeAll(async () => {
    token = randomToken();
    server = await startApiServer({ tokens: [token] });
  });
  afterAll(() => server.close());
  afterEach(() => {
    server.setFault(DISCOVERY_PATH, undefined);
    server.setFault(JWKS_PATH, undefined);
    server.resetRequests();
  });

  describe('TLS', () => {
    it('verifies against the test CA, for 127.0.0.1 and localhost', async () => {
      expect((await request(server, DISCOVERY_PATH, { token })).status).toBe(200);
      const viaLocalhost = { ...server, url: server.url.replace('127.0.0.1', 'localhost') };
      expect((await request(viaLocalhost, DISCOVERY_PATH, { token })).status).toBe(200);
    });

    it('fails verification without the CA, or with another CA', async () => {
      await expect(request(server, DISCOVERY_PATH, { token, ca: null })).rejects.toMatchObject({
        code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      });
      const other = await createTestPki();
      try {
        await expect(request(server, DISCOVERY_PATH, { token, ca: other.caCertPem })).rejects.toMatchObject({
          code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
        });
      } finally {
        await other.cleanup();
      }
    });
  });

  describe('authentication', () => {
    it.each([
      ['no Authorization header', {}],
      ['an unknown token', { token: 'nope' }],
      ['another scheme', { authorization: `Basic ${token}` }],
      ['two spaces after Bearer', { authorization: `Bearer  ${token}` }],
      ['an empty bearer token', { authorization: 'Bearer ' }],
    ])('answers 401 with kube Status JSON for %s, on every path', async (_name, init: RequestInit) => {
      for (const path of [DISCOVERY_PATH, JWKS_PATH, '/no/such/path']) {
        const reply = await request(server, path, init);
        expect(reply.status).toBe(401);
        expect(reply.headers['content-type']).toBe('application/json');
        expect(reply.body).toBe(UNAUTHORIZED);
      }
    });

    it('accepts the scheme in any case, as kube does', async () => {
      expect((await request(server, JWKS_PATH, { authorization: `bearer ${token}` })).status).toBe(200);
    });

    it('compares the token exactly, so a client that does not trim a token file cannot even send it', async () => {
      await expect(request(server, JWKS_PATH, { token: `${token}\n` })).rejects.toMatchObject({
        code: 'ERR_INVALID_CHAR',
      });
      expect((await request(server, JWKS_PATH, { token: `${token}x` })).status).toBe(401);
    });

    it('setTokens replaces the accepted tokens', async () => {
      const other = randomToken();
      server.setTokens([other]);
      try {
        expect((await request(server, JWKS_PATH, { token })).status).toBe(401);
        expect((await request(server, JWKS_PATH, { token: other })).status).toBe(200);
      } finally {
        server.setTokens([token]);
      }
    });
  });

  describe('discovery document and JWKS', () => {
    it('serves the discovery document with the exact compact bytes and headers', async () => {
      const reply = await request(server, DISCOVERY_PATH, { token });
      expect(reply.status).toBe(200);
      expect(reply.headers['content-type']).toBe('application/json');
      expect(reply.headers['cache-control']).toBe('public, max-age=3600');
      expect(reply.body).toBe(
        '{"issuer":"https://kubernetes.default.svc.cluster.local",' +
          `"jwks_uri":"${server.url}/openid/v1/jwks",` +
          '"response_types_supported":["id_token"],"subject_types_supported":["public"],' +
          '"id_token_signing_alg_values_supported":["ES256","RS256"]}',
      );
      expect(reply.headers['content-length']).toBe(String(Buffer.byteLength(reply.body)));
      expect(server.discoveryJson()).toBe(reply.body);
    });

    it('serves the JWKS with go-jose member order and kube key IDs', async () => {
      const reply = await request(server, JWKS_PATH, { token });
      expect(reply.status).toBe(200);
      expect(reply.headers['content-type']).toBe('application/jwk-set+json');
      expect(reply.headers['cache-control']).toBe('public, max-age=3600');

      const [rsa, ec] = server.keys;
      if (!rsa || !ec) throw new Error('expected the two default keys');
      const rsaJwk = await exportJWK(rsa.publicKey);
      const ecJwk = await exportJWK(ec.publicKey);
      const rsaKid = independentKid(rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString());
      const ecKid = independentKid(ec.publicKey.export({ type: 'spki', format: 'pem' }).toString());
      expect(reply.body).toBe(
        `{"keys":[{"use":"sig","kty":"RSA","kid":"${rsaKid}","alg":"RS256","n":"${rsaJwk.n}","e":"AQAB"},` +
          `{"use":"sig","kty":"EC","kid":"${ecKid}","crv":"P-256","alg":"ES256","x":"${ecJwk.x}","y":"${ecJwk.y}"}]}`,
      );
      expect(rsaKid).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(kidOf(rsa.privateKey)).toBe(rsaKid);
      // kube's kid is a hash of the SPKI, not the RFC 7638 thumbprint.
      expect(rsaKid).not.toBe(await calculateJwkThumbprint(rsaJwk));
      expect(server.jwksJson()).toBe(reply.body);
    });

    it('maps P-384 to ES384 and P-521 to ES512, and lists each algorithm once, sorted', async () => {
      const before = server.keys;
      try {
        const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey;
        const p521 = generateKeyPairSync('ec', { namedCurve: 'P-521' }).privateKey;
        server.setKeys([p521, 'RSA', p384, 'RSA']);
        expect(publicJwkOf(p384)).toMatchObject({ crv: 'P-384', alg: 'ES384' });
        expect(Object.keys(publicJwkOf(p521))).toEqual(['use', 'kty', 'kid', 'crv', 'alg', 'x', 'y']);
        const doc = JSON.parse((await request(server, DISCOVERY_PATH, { token })).body);
        expect(doc.id_token_signing_alg_values_supported).toEqual(['ES384', 'ES512', 'RS256']);
      } finally {
        server.setKeys(before.map((k) => k.privateKey));
      }
    });

    it('reflects addKey and removeKey at once', async () => {
      const added = server.addKey('EC');
      const kids = async () =>
        JSON.parse((await request(server, JWKS_PATH, { token })).body).keys.map(
          (k: { kid: string }) => k.kid,
        );
      expect(await kids()).toContain(added.kid);
      server.removeKey(added.kid);
      expect(await kids()).not.toContain(added.kid);
      expect(await kids()).toHaveLength(2);
    });

    it('advertises opts.jwksUri and opts.issuer when given', async () => {
      const other = await startApiServer({
        issuer: 'https://issuer.example',
        jwksUri: 'https://issuer.example/openid/v1/jwks',
        keys: ['EC'],
        tokens: [token],
        pki: server.pki,
      });
      try {
        expect((await request(other, DISCOVERY_PATH, { token })).body).toBe(
          '{"issuer":"https://issuer.example","jwks_uri":"https://issuer.example/openid/v1/jwks",' +
            '"response_types_supported":["id_token"],"subject_types_supported":["public"],' +
            '"id_token_signing_alg_values_supported":["ES256"]}',
        );
      } finally {
        await other.close();
      }
    });
  });

  describe('routing', () => {
    it('answers unknown paths with kube 404 Status JSON', async () => {
      const reply = await request(server, '/openid/v1/jwks/extra', { token });
      expect(reply.status).toBe(404);
      expect(reply.headers['content-type']).toBe('application/json');
      expect(reply.headers['cache-control']).toBe('no-cache, private');
      expect(reply.body).toBe(NOT_FOUND);
    });

    it('answers 405 to other methods on the discovery routes and to GET on the token route', async () => {
      for (const [method, path] of [
        ['POST', DISCOVERY_PATH],
        ['DELETE', JWKS_PATH],
        ['GET', '/api/v1/namespaces/default/serviceaccounts/default/token'],
      ] as const) {
        const reply = await request(server, path, { token, method });
        expect(reply.status).toBe(405);
        expect(JSON.parse(reply.body)).toMatchObject({
          kind: 'Status',
          reason: 'MethodNotAllowed',
          code: 405,
        });
      }
    });

    it('records requests, with path and Authorization, and counts them', async () => {
      await request(server, `${JWKS_PATH}?x=1`, { token });
      await request(server, DISCOVERY_PATH);
      expect(server.count()).toBe(2);
      expect(server.count(JWKS_PATH)).toBe(1);
      expect(server.requests[0]).toMatchObject({
        method: 'GET',
        path: JWKS_PATH,
        authorization: `Bearer ${token}`,
      });
      expect(server.requests[1]).toMatchObject({ path: DISCOVERY_PATH, authorization: undefined });
      server.resetRequests();
      expect(server.count()).toBe(0);
    });
  });

  describe('tokens', () => {
    it('mints a token that verifies against the served JWKS, with kube claims', async () => {
      const jwt = await server.mintToken({
        namespace: 'gw',
        name: 'kube-oidc-gateway',
        audiences: ['sts.example'],
      });
      const jwks = JSON.parse((await request(server, JWKS_PATH, { token })).body);
      const { payload, protectedHeader } = await jwtVerify(jwt, createLocalJWKSet(jwks), {
        issuer: server.issuer,
        audience: 'sts.example',
      });
      expect(protectedHeader).toEqual({ alg: 'RS256', kid: server.keys[0]?.kid });
      expect(payload.sub).toBe('system:serviceaccount:gw:kube-oidc-gateway');
      expect(payload.aud).toEqual(['sts.example']);
      expect(payload['kubernetes.io']).toEqual({
        namespace: 'gw',
        serviceaccount: { name: 'kube-oidc-gateway', uid: expect.stringMatching(/^[0-9a-f-]{36}$/) },
      });
      expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(3600);
      expect(payload.nbf).toBe(payload.iat);
      expect(Object.keys(payload)).toEqual([...Object.keys(payload)].sort());
    });

    it('signs with a chosen key: ES256 for EC, and a foreign key the JWKS cannot verify', async () => {
      const ec = server.keys[1];
      if (ec === undefined) throw new Error('the stand-in starts with an EC key second');
      const jwks = createLocalJWKSet(JSON.parse(server.jwksJson()));
      const byEc = await server.mintToken({ namespace: 'a', name: 'b', signWith: ec.kid });
      expect(decodeProtectedHeader(byEc)).toEqual({ alg: 'ES256', kid: ec.kid });
      await expect(jwtVerify(byEc, jwks, { issuer: server.issuer })).resolves.toBeTruthy();

      const foreign = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
      const byForeign = await server.mintToken({ namespace: 'a', name: 'b', signWith: foreign });
      await expect(jwtVerify(byForeign, jwks)).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' });
      expect((await request(server, JWKS_PATH, { token: byForeign })).status).toBe(401);
    });

    it('answers a TokenRequest with 201 and a token that authenticates to the API server', async () => {
      const path = '/api/v1/namespaces/gw/serviceaccounts/gateway/token';
      const body = JSON.stringify({
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { expirationSeconds: 600 },
      });
      const reply = await request(server, path, { token, method: 'POST', body });
      expect(reply.status).toBe(201);
      expect(reply.headers['content-type']).toBe('application/json');
      const tr = JSON.parse(reply.body);
      expect(tr).toMatchObject({
        kind: 'TokenRequest',
        apiVersion: 'authentication.k8s.io/v1',
        metadata: { name: 'gateway', namespace: 'gw' },
        spec: { audiences: [server.issuer], expirationSeconds: 600 },
        status: { expirationTimestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/) },
      });
      const minted: string = tr.status.token;
      const claims = JSON.parse(Buffer.from(minted.split('.')[1] ?? '', 'base64url').toString());
      expect(claims).toMatchObject({
        iss: server.issuer,
        aud: [server.issuer],
        sub: 'system:serviceaccount:gw:gateway',
      });
      expect(Date.parse(tr.status.expirationTimestamp) / 1000).toBe(claims.exp);

      // Audience = issuer = the API audience, so kube accepts it as a bearer token.
      expect((await request(server, JWKS_PATH, { token: minted })).status).toBe(200);
      // One for another audience is not for the API server.
      const sts = await server.mintToken({ namespace: 'gw', name: 'gateway', audiences: ['sts.example'] });
      expect((await request(server, JWKS_PATH, { token: sts })).status).toBe(401);
    });

    it('rejects a TokenRequest for less than 10 minutes with 422, like kube', async () => {
      const path = '/api/v1/namespaces/gw/serviceaccounts/gateway/token';
      const body = JSON.stringify({ spec: { expirationSeconds: 599 } });
      const reply = await request(server, path, { token, method: 'POST', body });
      expect(reply.status).toBe(422);
      expect(JSON.parse(reply.body)).toMatchObject({ reason: 'Invalid', code: 422 });
    });

    it('stops accepting a minted token once its key is removed', async () => {
      const key = server.addKey('RSA');
      const minted = await server.mintToken({ namespace: 'a', name: 'b', signWith: key.kid });
      expect((await request(server, JWKS_PATH, { token: minted })).status).toBe(200);
      server.removeKey(key.kid);
      expect((await request(server, JWKS_PATH, { token: minted })).status).toBe(401);
    });
  });

  describe('several issuers (--service-account-issuer repeated)', () => {
    const NEW = 'https://new.example/cluster';
    const OLD = 'https://old.example/cluster';
    let migrating: ApiServerStandIn;
    beforeAll(async () => {
      migrating = await startApiServer({
        issuers: [NEW, OLD],
        keys: ['EC'],
        tokens: [token],
        pki: server.pki,
      });
    });
    afterAll(() => migrating.close());

    it('names the first in its discovery document and TokenRequests; API audiences default to all', async () => {
      expect(migrating.issuer).toBe(NEW);
      expect(migrating.issuers).toEqual([NEW, OLD]);
      expect(JSON.parse((await request(migrating, DISCOVERY_PATH, { token })).body).issuer).toBe(NEW);
      const path = '/api/v1/namespaces/gw/serviceaccounts/gateway/token';
      const reply = await request(migrating, path, { token, method: 'POST', body: '{"spec":{}}' });
      expect(reply.status).toBe(201);
      const tr = JSON.parse(reply.body);
      expect(tr.spec.audiences).toEqual([NEW, OLD]);
      const claims = JSON.parse(Buffer.from(tr.status.token.split('.')[1], 'base64url').toString());
      expect(claims).toMatchObject({ iss: NEW, aud: [NEW, OLD] });
    });

    it('mints with a chosen issuer, accepts every configured one, and no other', async () => {
      const jwks = createLocalJWKSet(JSON.parse(migrating.jwksJson()));
      const old = await migrating.mintToken({ namespace: 'a', name: 'b', issuer: OLD });
      await expect(jwtVerify(old, jwks, { issuer: OLD })).resolves.toBeTruthy();
      await expect(jwtVerify(old, jwks, { issuer: NEW })).rejects.toMatchObject({
        code: 'ERR_JWT_CLAIM_VALIDATION_FAILED',
        claim: 'iss',
      });
      expect((await request(migrating, JWKS_PATH, { token: old })).status).toBe(200);
      const current = await migrating.mintToken({ namespace: 'a', name: 'b' });
      expect(decodeJwt(current).iss).toBe(NEW);
      expect((await request(migrating, JWKS_PATH, { token: current })).status).toBe(200);

      // Signed with the cluster's own key, but for an issuer it was not given: refused.
      const signer = migrating.keys[0];
      if (!signer) throw new Error('no key');
      const foreign = await new SignJWT({ aud: [NEW], sub: 'system:serviceaccount:a:b' })
        .setProtectedHeader({ alg: signer.alg, kid: signer.kid })
        .setIssuer('https://other.example/cluster')
        .setIssuedAt()
        .setExpirationTime('10m')
        .sign(signer.privateKey);
      expect((await request(migrating, JWKS_PATH, { token: foreign })).status).toBe(401);
      await expect(
        migrating.mintToken({ namespace: 'a', name: 'b', issuer: 'https://other.example/cluster' }),
      ).rejects.toThrow('is not one of the issuers');
    });
  });

  describe('faults', () => {
    it('html: 200 text/html', async () => {
      server.setFault(JWKS_PATH, { kind: 'html' });
      const reply = await request(server, JWKS_PATH, { token });
      expect(reply.status).toBe(200);
      expect(reply.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(reply.body).toMatch(/^<!DOCTYPE html>/);
      expect((await request(server, DISCOVERY_PATH, { token })).status).toBe(200); // other paths unaffected
    });

    it('status: that status with kube Status JSON', async () => {
      server.setFault(DISCOVERY_PATH, { kind: 'status', status: 403 });
      const reply = await request(server, DISCOVERY_PATH, { token });
      expect(reply.status).toBe(403);
      expect(reply.headers['content-type']).toBe('application/json');
      expect(JSON.parse(reply.body)).toMatchObject({ kind: 'Status', reason: 'Forbidden', code: 403 });
      server.setFault(DISCOVERY_PATH, { kind: 'status', status: 503 });
      expect((await request(server, DISCOVERY_PATH, { token })).status).toBe(503);
      server.setFault(DISCOVERY_PATH, undefined);
      expect((await request(server, DISCOVERY_PATH, { token })).status).toBe(200);
    });

    it('status faults still come after authentication', async () => {
      server.setFault(DISCOVERY_PATH, { kind: 'status', status: 503 });
      expect((await request(server, DISCOVERY_PATH)).status).toBe(401);
    });

    it('oversize: valid JSON of 2 MiB by default, streamed chunked as Go does', async () => {
      server.setFault(JWKS_PATH, { kind: 'oversize' });
      const reply = await request(server, JWKS_PATH, { token });
      expect(reply.status).toBe(200);
      expect(reply.headers['content-length']).toBeUndefined();
      expect(reply.headers['transfer-encoding']).toBe('chunked');
      expect(Buffer.byteLength(reply.body)).toBe(2 * 1024 * 1024);
      expect(JSON.parse(reply.body).keys).toHaveLength(2);
    });

    it('oversize: a chosen size, with Content-Length declared', async () => {
      server.setFault(DISCOVERY_PATH, { kind: 'oversize', bytes: 1024 * 1024 + 1, contentLength: true });
      const reply = await request(server, DISCOVERY_PATH, { token });
      expect(reply.headers['content-length']).toBe(String(1024 * 1024 + 1));
      expect(JSON.parse(reply.body).issuer).toBe(server.issuer);
    });

    it('private-key: the first JWK carries d, the rest stay public', async () => {
      server.setFault(JWKS_PATH, { kind: 'private-key' });
      const reply = await request(server, JWKS_PATH, { token });
      expect(reply.headers['content-type']).toBe('application/jwk-set+json');
      const [first, second] = JSON.parse(reply.body).keys;
      expect(first).toMatchObject({ kty: 'RSA', kid: server.keys[0]?.kid, d: expect.any(String) });
      expect(second.d).toBeUndefined();
    });

    it('body: arbitrary status, content type and body', async () => {
      server.setFault(JWKS_PATH, { kind: 'body', contentType: 'application/json', body: '{"keys":' });
      const reply = await request(server, JWKS_PATH, { token });
      expect([reply.status, reply.headers['content-type'], reply.body]).toEqual([
        200,
        'application/json',
        '{"keys":',
      ]);
    });

    it('delay: answers normally after the delay, each request counted', async () => {
      server.setFault(JWKS_PATH, { kind: 'delay', ms: 100 });
      const started = Date.now();
      const replies = await Promise.all([
        request(server, JWKS_PATH, { token }),
        request(server, JWKS_PATH, { token }),
      ]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(90);
      expect(replies.map((r) => r.body)).toEqual([server.jwksJson(), server.jwksJson()]);
      expect(server.count(JWKS_PATH)).toBe(2);
    });

    it('hold: answers normally once the promise settles, not before', async () => {
      let release!: () => void;
      server.setFault(JWKS_PATH, {
        kind: 'hold',
        until: new Promise<void>((resolve) => (release = resolve)),
      });
      let answered = false;
      const reply = request(server, JWKS_PATH, { token }).finally(() => {
        answered = true;
      });
      await vi.waitFor(() => expect(server.count(JWKS_PATH)).toBe(1));
      await new Promise((resolve) => setImmediate(resolve));
      expect(answered).toBe(false);
      release();
      expect((await reply).body).toBe(server.jwksJson());
    });

    it('hang: never answers', async () => {
      server.setFault(JWKS_PATH, { kind: 'hang' });
      await expect(request(server, JWKS_PATH, { token, timeoutMs: 100 })).rejects.toThrow('client timeout');
      expect(server.count(JWKS_PATH)).toBe(1);
    });
  });
});

describe('lifecycle', () => {
  let pki: TestPki;
  beforeAll(async () => {
    pki = await createTestPki();
  });
  afterAll(() => pki.cleanup());

  it('close() destroys keep-alive and hanging connections at once', async () => {
    const token = randomToken();
    const server = await startApiServer({ tokens: [token], keys: ['EC'], pki });
    const agent = new https.Agent({ keepAlive: true });
    try {
      const reply = await request(server, JWKS_PATH, { token, agent });
      const idleClosed = new Promise((resolve) => reply.socket.once('close', resolve));
      server.setFault(DISCOVERY_PATH, { kind: 'hang' });
      const hanging = request(server, DISCOVERY_PATH, { token });
      hanging.catch(() => {});
      // Once the hanging request has arrived (not a fixed sleep: a busy machine takes longer).
      while (server.count(DISCOVERY_PATH) === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(server.count(DISCOVERY_PATH)).toBe(1);

      const started = Date.now();
      await server.close();
      await idleClosed;
      await expect(hanging).rejects.toMatchObject({ code: 'ECONNRESET' });
      expect(Date.now() - started).toBeLessThan(1000);
      await expect(request(server, JWKS_PATH, { token, agent })).rejects.toMatchObject({
        code: 'ECONNREFUSED',
      });
    } finally {
      agent.destroy();
    }
  });

  it('restarts on the same port with the same CA', async () => {
    const token = randomToken();
    const first = await startApiServer({ tokens: [token], keys: ['EC'], pki });
    const agent = new https.Agent({ keepAlive: true });
    try {
      const pooled = (await request(first, JWKS_PATH, { token, agent })).socket;
      const pooledClosed = new Promise((resolve) => pooled.once('close', resolve));
      await first.close();
      // The client learns of the EOF a few event-loop turns later; reusing the pooled socket
      // before then fails with ECONNRESET, as it would against a restarting kube-apiserver.
      await pooledClosed;
      const second = await startApiServer({ tokens: [token], keys: ['RSA'], pki, port: first.port });
      try {
        expect(second.url).toBe(first.url);
        expect(second.jwksUri).toBe(first.jwksUri);
        const reply = await request(second, JWKS_PATH, { token, agent });
        expect(reply.status).toBe(200);
        expect(JSON.parse(reply.body).keys[0].kty).toBe('RSA');
      } finally {
        await second.close();
      }
    } finally {
      agent.destroy();
    }
  });

  it('removes the PKI it made itself, but not one it was given', async () => {
    const { existsSync } = await import('node:fs');
    const own = await startApiServer();
    await own.close();
    expect(existsSync(own.pki.dir)).toBe(false);
    const given = await startApiServer({ pki });
    await given.close();
    expect(existsSync(pki.dir)).toBe(true);
  });
});
