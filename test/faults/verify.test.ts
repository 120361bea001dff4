/**
 * verify against a hostile public side: a discovery document that points the jwks_uri at a
 * plain-http or an internal address must not make verify request it, and remote strings
 * (an issuer, kids, servers' answers) must not break or forge lines in the text report.
 * Real servers on 127.0.0.1: an HTTPS one with the test PKI, and a plain HTTP one that
 * only counts what reaches it.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/checks/result.js';
import { runChecks, type VerifyOptions } from '../../src/checks/run.js';
import { formatJson, formatText } from '../../src/verify/report.js';
import { createTestPki, type TestPki } from '../support/pki.js';
import { type PublicServer, startPublicServer } from '../support/public-server.js';

const HEADERS = { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' };
const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });

let pki: TestPki;
let site: PublicServer;
let plain: PublicServer;
let issuer: string;

beforeAll(async () => {
  pki = await createTestPki();
  site = await startPublicServer(pki);
  plain = await startPublicServer();
  issuer = `${site.base}/c1`;
});

afterAll(async () => {
  await site?.close();
  await plain?.close();
  await pki?.cleanup();
});

beforeEach(() => {
  site.routes.clear();
  site.requests.length = 0;
  plain.routes.clear();
  plain.requests.length = 0;
});

function serve(discovery: Record<string, unknown>, kid = 'k1'): void {
  const key = { use: 'sig', kty: 'EC', kid, crv: 'P-256', alg: 'ES256', x: jwk.x, y: jwk.y };
  site.routes.set('/c1/.well-known/openid-configuration', {
    headers: HEADERS,
    body: JSON.stringify({ issuer, jwks_uri: `${issuer}/openid/v1/jwks`, ...discovery }),
  });
  site.routes.set('/c1/openid/v1/jwks', { headers: HEADERS, body: JSON.stringify({ keys: [key] }) });
}

function run(extra: Partial<VerifyOptions> = {}): Promise<CheckResult[]> {
  return runChecks({ issuer, extraCa: pki.caCertPem, allowPrivate: true, timeoutMs: 3000, ...extra });
}

const find = (results: CheckResult[], check: string) => results.find((r) => r.check === check);

describe('verify never fetches a URL that failed its checks', () => {
  it('a plain-http jwks_uri: jwks-uri-https fails and the JWKS is not requested', async () => {
    plain.routes.set('/jwks', { headers: HEADERS, body: '{"keys":[]}' });
    serve({ jwks_uri: `${plain.base}/jwks` });
    const results = await run();
    expect(find(results, 'jwks-uri-https')?.status).toBe('fail');
    expect(find(results, 'jwks-fetch')).toEqual({
      check: 'jwks-fetch',
      status: 'skip',
      message: `${plain.base}/jwks not fetched: the jwks_uri failed jwks-uri-https`,
    });
    expect(plain.requests).toEqual([]);
    expect(site.requests).toEqual(['GET /c1/.well-known/openid-configuration']);
  });

  it('a private jwks_uri without --allow-private: jwks-uri-public fails and it is not requested', async () => {
    // Served and fetchable: only the check stands between verify and this internal address.
    site.routes.set('/internal/jwks', { headers: HEADERS, body: '{"keys":[]}' });
    serve({ jwks_uri: `${site.base}/internal/jwks` });
    const results = await run({
      allowPrivate: false,
      discoveryUrl: `${site.base}/c1/.well-known/openid-configuration`,
    });
    expect(find(results, 'jwks-uri-public')?.status).toBe('fail');
    expect(find(results, 'jwks-fetch')).toMatchObject({
      status: 'skip',
      message: `${site.base}/internal/jwks not fetched: the jwks_uri failed jwks-uri-public`,
    });
    expect(site.requests).toEqual(['GET /c1/.well-known/openid-configuration']);
  });

  it('with --allow-private the same jwks_uri is only a warning, and is fetched', async () => {
    serve({});
    const results = await run();
    expect(find(results, 'jwks-uri-public')?.status).toBe('warn');
    expect(find(results, 'jwks-fetch')?.status).toBe('ok');
    expect(site.requests).toEqual(['GET /c1/.well-known/openid-configuration', 'GET /c1/openid/v1/jwks']);
  });

  it('an http issuer: nothing under it is requested', async () => {
    plain.routes.set('/c1/.well-known/openid-configuration', { headers: HEADERS, body: '{}' });
    const results = await run({ issuer: `${plain.base}/c1` });
    expect(find(results, 'issuer-https')?.status).toBe('fail');
    expect(find(results, 'discovery-fetch')?.status).toBe('skip');
    expect(plain.requests).toEqual([]);
  });

  it('skipped checks do not fail a run by themselves, and the text says skip', async () => {
    serve({ jwks_uri: `${plain.base}/jwks` });
    const text = formatText(await run());
    expect(text).toContain(`\nskip jwks-fetch: ${plain.base}/jwks not fetched`);
    expect(text).toMatch(/^FAIL jwks-uri-https: /m);
  });
});

describe('remote strings in the text report', () => {
  const LINE = /^(ok|FAIL|warn|skip) [a-z-]+: [^\n]*$/;

  it('escapes control characters from a served issuer and kid: one line per check, no ANSI', async () => {
    const hostile = `${issuer}\u001b[2K\rok issuer-match: forged\n`;
    serve({ issuer: hostile }, 'kid\u001b]0;title\u0007\nok forged: line');
    const results = await run();
    const text = formatText(results);
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(results.length);
    for (const line of lines) {
      expect(line).toMatch(LINE);
      expect(line).not.toMatch(/\p{Cc}/u);
    }
    expect(text).toContain('\\x1b[2K\\rok issuer-match: forged\\n');
    expect(text).toContain('kid\\x1b]0;title\\x07\\nok forged: line');
    // JSON keeps the exact strings, escaped by the serializer.
    const report = JSON.parse(formatJson(issuer, results));
    expect(report.checks.find((c: CheckResult) => c.check === 'issuer-match').message).toContain(hostile);
  });
});
