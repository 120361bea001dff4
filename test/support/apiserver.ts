/**
 * A stand-in for kube-apiserver's service account issuer discovery, faithful where the gateway can
 * tell the difference: the exact bytes, headers and statuses kube-apiserver sends, bearer-token
 * authentication on every path (as with --anonymous-auth=false), and TokenRequest-minted tokens
 * that verify against the served JWKS. Faults can be injected per path to test the client.
 *
 * Sources of the behaviour copied here (Kubernetes): pkg/serviceaccount/openidmetadata.go,
 * pkg/routes/openidmetadata.go, pkg/serviceaccount/jwt.go and claims.go, the apiserver's
 * bearer-token authenticator and Status error responses, and pkg/kubeapiserver/options/
 * authentication.go for a repeated --service-account-issuer (the first names the cluster and
 * signs new tokens, every one is accepted, and the API audiences default to all of them).
 */
import {
  createHash,
  createPublicKey,
  generateKeyPairSync,
  type JsonWebKey,
  type KeyObject,
  randomBytes,
  randomUUID,
} from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { createLocalJWKSet, jwtVerify, SignJWT } from 'jose';
import { createTestPki, type TestPki } from './pki.js';
import { nextRsaKeyPair } from './rsa-keys.js';

export const DISCOVERY_PATH = '/.well-known/openid-configuration';
export const JWKS_PATH = '/openid/v1/jwks';
export const DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local';
const TOKEN_REQUEST_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/serviceaccounts\/([^/]+)\/token$/;

/** pkg/routes/openidmetadata.go overrides the apiserver-wide `no-cache, private` with this. */
const OIDC_CACHE_CONTROL = 'public, max-age=3600';

export type KeyKind = 'RSA' | 'EC';

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  kid: string;
  alg: string;
}

export type Fault =
  | { kind: 'html' }
  | { kind: 'status'; status: number }
  /** Go's net/http streams a body this large chunked; `contentLength: true` declares it instead. */
  | { kind: 'oversize'; bytes?: number; contentLength?: boolean }
  | { kind: 'private-key' }
  | { kind: 'body'; contentType: string; body: string | Buffer; status?: number }
  | { kind: 'delay'; ms: number }
  /** Answers normally once `until` settles: a test decides when, instead of a fixed delay. */
  | { kind: 'hold'; until: Promise<unknown> }
  | { kind: 'hang' };

export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  authorization: string | undefined;
  at: number;
}

export interface MintTokenOptions {
  namespace: string;
  name: string;
  /** Defaults to the API audiences, which default to the issuers. */
  audiences?: string[];
  expirationSeconds?: number;
  /** A current key's kid, or any private key (to mint tokens the JWKS cannot verify). */
  signWith?: string | KeyObject;
  /**
   * One of the configured issuers, for a token minted before the flags were reordered (a
   * TokenRequest always gets the first). Default: the first.
   */
  issuer?: string;
}

export interface ApiServerOptions {
  /** --service-account-issuer; the same as `issuers: [issuer]`. */
  issuer?: string;
  /**
   * --service-account-issuer given several times: the first is the cluster's issuer (its
   * discovery document names it, new tokens carry it), every one is accepted in `iss`.
   */
  issuers?: string[];
  /** --service-account-jwks-uri; without it kube-apiserver advertises its own address. */
  jwksUri?: string;
  /** Static bearer tokens accepted (like --token-auth-file). Minted tokens are accepted too. */
  tokens?: string[];
  /** 0 (any free port) by default; pass the old port to restart a server in place. */
  port?: number;
  /** Signing keys, first one signs. Default: a fresh RSA 2048 key and a fresh EC P-256 key. */
  keys?: Array<KeyKind | KeyObject>;
  /** Serve with this PKI (e.g. to keep the same CA across a restart); else one is made and removed on close. */
  pki?: TestPki;
}

export interface ApiServerStandIn {
  url: string;
  port: number;
  /** The first of `issuers`: the one the discovery document names and new tokens carry. */
  issuer: string;
  issuers: readonly string[];
  jwksUri: string;
  pki: TestPki;
  caCertPem: string;
  /** Current keys; the first one signs minted tokens. */
  readonly keys: readonly SigningKey[];
  addKey(kind: KeyKind | KeyObject): SigningKey;
  removeKey(kid: string): void;
  setKeys(keys: Array<KeyKind | KeyObject>): SigningKey[];
  /** Accepted static tokens; mutable. */
  readonly tokens: Set<string>;
  setTokens(tokens: string[]): void;
  setFault(path: string, fault: Fault | undefined): void;
  mintToken(opts: MintTokenOptions): Promise<string>;
  /** The exact bodies the two discovery routes answer with right now. */
  discoveryJson(): string;
  jwksJson(): string;
  readonly requests: RecordedRequest[];
  count(path?: string): number;
  resetRequests(): void;
  close(): Promise<void>;
}

/** kube-apiserver's key ID: unpadded base64url of SHA-256 over the DER SubjectPublicKeyInfo. */
export function kidOf(key: KeyObject): string {
  const der = createPublicKey(key).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64url');
}

/** The JWS algorithm kube-apiserver signs with for this key type (RS256, or ES* by curve). */
export function algOf(key: KeyObject): string {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ec') {
    const alg = { prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' }[
      key.asymmetricKeyDetails?.namedCurve ?? ''
    ];
    if (alg) return alg;
  }
  throw new Error(`kube-apiserver does not sign with ${key.asymmetricKeyType} keys of this kind`);
}

/** The public JWK as go-jose marshals it for kube-apiserver: members in go-jose's struct order. */
export function publicJwkOf(key: KeyObject): Record<string, string> {
  const jwk = createPublicKey(key).export({ format: 'jwk' });
  const head = { use: 'sig', kty: String(jwk.kty), kid: kidOf(key) };
  if (jwk.kty === 'RSA') return { ...head, alg: algOf(key), n: String(jwk.n), e: String(jwk.e) };
  return { ...head, crv: String(jwk.crv), alg: algOf(key), x: String(jwk.x), y: String(jwk.y) };
}

function makeKey(spec: KeyKind | KeyObject): SigningKey {
  const privateKey =
    spec === 'RSA'
      ? nextRsaKeyPair().privateKey
      : spec === 'EC'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey
        : spec;
  if (privateKey.type !== 'private') throw new Error('signing keys must be private keys');
  return {
    privateKey,
    publicKey: createPublicKey(privateKey),
    kid: kidOf(privateKey),
    alg: algOf(privateKey),
  };
}

/** Small bodies go out with Content-Length, as Go's net/http does for them. */
function send(
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: string | Buffer,
): void {
  res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}

/** metav1.Status as the apiserver's JSON serializer writes it (json.Encoder adds the newline). */
function statusBody(code: number, reason: string, message: string, details?: object): string {
  const status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason };
  return `${JSON.stringify({ ...status, ...(details && { details }), code })}\n`;
}

const STATUS_REASONS: Record<number, [reason: string, message: string]> = {
  400: ['BadRequest', 'the server rejected our request for an unknown reason'],
  401: ['Unauthorized', 'Unauthorized'],
  403: ['Forbidden', 'forbidden'],
  404: ['NotFound', 'the server could not find the requested resource'],
  405: ['MethodNotAllowed', 'the server does not allow this method on the requested resource'],
  429: ['TooManyRequests', 'the server has received too many requests and has asked us to try again later'],
  500: ['InternalError', 'an error on the server has prevented the request from succeeding'],
  503: ['ServiceUnavailable', 'the server is currently unable to handle the request'],
  504: ['Timeout', 'the server was unable to return a response in the time allotted'],
};

function sendStatus(res: ServerResponse, code: number, message?: string, reason?: string): void {
  const [defaultReason, defaultMessage] = STATUS_REASONS[code] ?? ['Unknown', `status ${code}`];
  // 401 carries no details member in kube's body; 404/405 from the router carry `"details":{}`.
  const details = code === 401 ? undefined : {};
  const body = statusBody(code, reason ?? defaultReason, message ?? defaultMessage, details);
  send(res, code, { 'content-type': 'application/json', 'x-content-type-options': 'nosniff' }, body);
}

const HTML_PAGE =
  '<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body>Please sign in.</body></html>\n';

/** Grows a JSON object to `bytes` bytes with a padding member, keeping it valid JSON. */
function padJson(json: string, bytes: number): string {
  const filler = Math.max(0, bytes - json.length - ',"padding":""'.length);
  return `${json.slice(0, -1)},"padding":"${'x'.repeat(filler)}"}`;
}

export async function startApiServer(opts: ApiServerOptions = {}): Promise<ApiServerStandIn> {
  if (opts.issuer !== undefined && opts.issuers !== undefined)
    throw new Error('give issuer or issuers, not both');
  const issuers = [...(opts.issuers ?? [opts.issuer ?? DEFAULT_ISSUER])];
  if (issuers.length === 0) throw new Error('issuers is empty: kube-apiserver needs at least one');
  const issuer = issuers[0] as string;
  // --api-audiences unset: the API audiences are the issuers, all of them.
  const apiAudiences = issuers;
  const ownPki = !opts.pki;
  const pki = opts.pki ?? (await createTestPki());
  let keys = (opts.keys ?? ['RSA', 'EC']).map(makeKey);
  const tokens = new Set(opts.tokens ?? []);
  const faults = new Map<string, Fault>();
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const serviceAccountUids = new Map<string, string>();
  let jwksUri = opts.jwksUri ?? '';

  const jwks = () => ({ keys: keys.map((k) => publicJwkOf(k.privateKey)) });
  const jwksJson = () => JSON.stringify(jwks());
  // Field order of openIDMetadata in pkg/serviceaccount/openidmetadata.go; algs are a sorted set.
  const discoveryJson = () =>
    JSON.stringify({
      issuer,
      jwks_uri: jwksUri,
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: [...new Set(keys.map((k) => k.alg))].sort(),
    });

  async function mint(o: MintTokenOptions): Promise<{ token: string; exp: number }> {
    const signer =
      typeof o.signWith === 'object'
        ? makeKey(o.signWith)
        : o.signWith === undefined
          ? keys[0]
          : keys.find((k) => k.kid === o.signWith);
    if (!signer) throw new Error(`no signing key ${o.signWith ?? '(no keys at all)'}`);
    const iss = o.issuer ?? issuer;
    if (!issuers.includes(iss)) throw new Error(`${iss} is not one of the issuers: ${issuers.join(', ')}`);
    const saKey = `${o.namespace}/${o.name}`;
    const uid = serviceAccountUids.get(saKey) ?? randomUUID();
    serviceAccountUids.set(saKey, uid);
    const iat = Math.floor(Date.now() / 1000);
    const exp = iat + (o.expirationSeconds ?? 3600);
    // go-jose merges public and private claims into a map, so the payload goes out with sorted keys.
    const payload = {
      aud: o.audiences?.length ? o.audiences : apiAudiences,
      exp,
      iat,
      iss,
      jti: randomUUID(),
      'kubernetes.io': { namespace: o.namespace, serviceaccount: { name: o.name, uid } },
      nbf: iat,
      sub: `system:serviceaccount:${o.namespace}:${o.name}`,
    };
    const token = await new SignJWT(payload)
      .setProtectedHeader({ alg: signer.alg, kid: signer.kid })
      .sign(signer.privateKey);
    return { token, exp };
  }

  /** The bearer-token authenticator: trims the header, splits on single spaces, token is part two. */
  async function authenticated(header: string | undefined): Promise<boolean> {
    const parts = (header ?? '').trim().split(' ');
    if (parts.length < 2 || parts[0]?.toLowerCase() !== 'bearer' || !parts[1]) return false;
    const token = parts[1];
    if (tokens.has(token)) return true;
    // A service account token is valid if signed by a current key, from any of the issuers, for an API audience.
    try {
      await jwtVerify(token, createLocalJWKSet(jwks()), { issuer: issuers, audience: apiAudiences });
      return true;
    } catch {
      return false;
    }
  }

  async function readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  async function tokenRequest(req: IncomingMessage, res: ServerResponse, namespace: string, name: string) {
    let spec: { audiences?: string[]; expirationSeconds?: number } = {};
    try {
      const body = await readBody(req);
      spec = body ? (JSON.parse(body).spec ?? {}) : {};
    } catch {
      return sendStatus(res, 400, 'the body of the request was in an unknown format');
    }
    const expirationSeconds = spec.expirationSeconds ?? 3600;
    if (expirationSeconds < 600) {
      const message =
        `TokenRequest.authentication.k8s.io "${name}" is invalid: spec.expirationSeconds: ` +
        `Invalid value: ${expirationSeconds}: may not specify a duration less than 10 minutes`;
      return sendStatus(res, 422, message, 'Invalid');
    }
    const audiences = spec.audiences?.length ? spec.audiences : apiAudiences;
    const { token, exp } = await mint({ namespace, name, audiences, expirationSeconds });
    const tokenRequest = {
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { name, namespace, creationTimestamp: null },
      spec: { audiences, expirationSeconds, boundObjectRef: null },
      status: { token, expirationTimestamp: new Date(exp * 1000).toISOString().replace(/\.\d+Z$/, 'Z') },
    };
    send(res, 201, { 'content-type': 'application/json' }, `${JSON.stringify(tokenRequest)}\n`);
  }

  function sendDocument(res: ServerResponse, contentType: string, body: string): void {
    send(res, 200, { 'content-type': contentType, 'cache-control': OIDC_CACHE_CONTROL }, body);
  }

  /** Normal routing, after authentication. */
  async function route(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const documents: Record<string, () => void> = {
      [DISCOVERY_PATH]: () => sendDocument(res, 'application/json', discoveryJson()),
      [JWKS_PATH]: () => sendDocument(res, 'application/jwk-set+json', jwksJson()),
    };
    const serveDocument = documents[path];
    if (serveDocument) return req.method === 'GET' ? serveDocument() : sendStatus(res, 405);
    const tokenPath = TOKEN_REQUEST_PATH.exec(path);
    if (tokenPath) {
      if (req.method !== 'POST') return sendStatus(res, 405);
      return tokenRequest(
        req,
        res,
        decodeURIComponent(tokenPath[1] ?? ''),
        decodeURIComponent(tokenPath[2] ?? ''),
      );
    }
    sendStatus(res, 404);
  }

  async function applyFault(fault: Fault, req: IncomingMessage, res: ServerResponse, path: string) {
    switch (fault.kind) {
      case 'html':
        // What a proxy or ingress in the way answers: a page, not the API server.
        return send(res, 200, { 'content-type': 'text/html; charset=utf-8' }, HTML_PAGE);
      case 'status':
        return sendStatus(res, fault.status);
      case 'body':
        return send(res, fault.status ?? 200, { 'content-type': fault.contentType }, fault.body);
      case 'oversize': {
        const base = path === JWKS_PATH ? jwksJson() : path === DISCOVERY_PATH ? discoveryJson() : '{}';
        const body = Buffer.from(padJson(base, fault.bytes ?? 2 * 1024 * 1024));
        const contentType = path === JWKS_PATH ? 'application/jwk-set+json' : 'application/json';
        const headers = { 'content-type': contentType, 'cache-control': OIDC_CACHE_CONTROL };
        if (fault.contentLength) return send(res, 200, headers, body);
        res.writeHead(200, headers); // no Content-Length: Node sends it chunked
        res.write(body.subarray(0, 64 * 1024));
        res.end(body.subarray(64 * 1024));
        return;
      }
      case 'private-key': {
        const [first, ...rest] = jwks().keys;
        const privateJwk: JsonWebKey = keys[0]?.privateKey.export({ format: 'jwk' }) ?? {};
        const members = ['d', 'p', 'q', 'dp', 'dq', 'qi'] as const;
        const secret = Object.fromEntries(
          members.filter((m) => privateJwk[m]).map((m) => [m, privateJwk[m]]),
        );
        sendDocument(
          res,
          'application/jwk-set+json',
          JSON.stringify({ keys: [{ ...first, ...secret }, ...rest] }),
        );
        return;
      }
      case 'delay':
        await new Promise((resolve) => setTimeout(resolve, fault.ms));
        return route(req, res, path);
      case 'hold':
        await fault.until.catch(() => {});
        return route(req, res, path);
      case 'hang':
        return; // never answer; close() destroys the socket
    }
  }

  const server = createServer({ cert: pki.certPem, key: pki.keyPem }, (req, res) => {
    const path = new URL(req.url ?? '/', 'https://apiserver').pathname;
    const authorization = req.headers.authorization;
    requests.push({ method: req.method ?? '', path, authorization, at: Date.now() });
    // The apiserver's default for every response; the discovery routes override it.
    res.setHeader('cache-control', 'no-cache, private');
    (async () => {
      if (!(await authenticated(authorization))) return sendStatus(res, 401);
      const fault = faults.get(path);
      return fault ? applyFault(fault, req, res, path) : route(req, res, path);
    })().catch((error: unknown) => {
      if (!res.headersSent) sendStatus(res, 500, String(error));
      else res.destroy();
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    if (ownPki) await pki.cleanup();
    throw error;
  }
  const port = (server.address() as AddressInfo).port;
  const url = `https://127.0.0.1:${port}`;
  jwksUri ||= `${url}${JWKS_PATH}`;

  return {
    url,
    port,
    issuer,
    issuers,
    jwksUri,
    pki,
    caCertPem: pki.caCertPem,
    get keys() {
      return keys;
    },
    addKey(kind) {
      const key = makeKey(kind);
      keys = [...keys, key];
      return key;
    },
    removeKey(kid) {
      keys = keys.filter((k) => k.kid !== kid);
    },
    setKeys(specs) {
      keys = specs.map(makeKey);
      return keys;
    },
    tokens,
    setTokens(list) {
      tokens.clear();
      for (const token of list) tokens.add(token);
    },
    setFault(path, fault) {
      if (fault) faults.set(path, fault);
      else faults.delete(path);
    },
    mintToken: async (o) => (await mint(o)).token,
    discoveryJson,
    jwksJson,
    requests,
    count: (path) => requests.filter((r) => path === undefined || r.path === path).length,
    resetRequests() {
      requests.length = 0;
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
      if (ownPki) await pki.cleanup();
    },
  };
}

/** A random opaque bearer token, for tests that need a static one. */
export function randomToken(): string {
  return randomBytes(24).toString('base64url');
}

/** A kubeconfig with a static bearer token and the stand-in's CA, as `kubectl config view --raw` shows one. */
export function kubeconfigFor(server: ApiServerStandIn, bearer: string): string {
  return `apiVersion: v1
kind: Config
clusters:
  - name: test
    cluster:
      server: ${server.url}
      certificate-authority-data: ${Buffer.from(server.caCertPem).toString('base64')}
users:
  - name: test
    user:
      token: ${bearer}
contexts:
  - name: test
    context: { cluster: test, user: test }
current-context: test
`;
}
