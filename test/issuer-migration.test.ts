/**
 * Issuer migration, end to end: a cluster moving from issuer OLD to NEW runs with
 * --service-account-issuer=NEW --service-account-issuer=OLD (the stand-in's `issuers`): its
 * discovery document names NEW, new tokens carry NEW, tokens minted before the flip still
 * carry OLD and are accepted. publish keeps both issuers' documents current (NEW as the
 * cluster names it, OLD with --issuer), each under its own prefix of one HTTPS origin (a
 * bucket with two prefixes); a relying party configured with either (jose: discovery, then
 * createRemoteJWKSet on its jwks_uri, then jwtVerify) accepts its own issuer's tokens and
 * not the other's; verify --compare-cluster checks each; and a destination's retention
 * state carries over the flip when it is published as its own issuer.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRemoteJWKSet, customFetch, type FetchImplementation, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterSettings } from '../src/checks/cluster.js';
import type { CheckResult } from '../src/checks/result.js';
import { runChecks } from '../src/checks/run.js';
import { resolvePublishConfig } from '../src/publish/config.js';
import type { PublishReport } from '../src/publish/report.js';
import { runPublish } from '../src/publish/run.js';
import {
  captureIo,
  DISCOVERY_KEY,
  JWKS_KEY,
  type StandInCredentials,
  writeStandInCredentials,
} from './publish.support.js';
import { type ApiServerStandIn, kidOf, randomToken, startApiServer } from './support/apiserver.js';
import { runCli } from './support/cli.js';
import { createTestPki, type TestPki } from './support/pki.js';
import { nextRsaKeyPair } from './support/rsa-keys.js';

const AUDIENCE = 'sts.example.com';
const T0 = Date.parse('2026-03-01T12:00:00Z');

let pki: TestPki;
let site: https.Server;
let root: string;
let base: string;
let NEW: string;
let OLD: string;
let token: string;
let creds: StandInCredentials;
let signingKeys: KeyObject[];
let cluster: ApiServerStandIn;
let folders = 0;

/** Every file below `root`, at its path: a bucket's public website, each prefix an issuer. */
async function serveRoot(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'https://site').pathname;
  const parts = path.split('/').filter(Boolean);
  const body = parts.includes('..') ? undefined : await readFile(join(root, ...parts)).catch(() => undefined);
  if (!body || parts[parts.length - 2] === '.kube-oidc-gateway') {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' });
  res.end(body);
}

/** A fetch that trusts the test CA, as a relying party trusts the bucket's real certificate. */
const fetchTrustingTestCa: FetchImplementation = (url, options) =>
  new Promise((resolve, reject) => {
    const request = https.get(url, { ca: pki.caCertPem, signal: options.signal }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        const headers = new Headers();
        for (const [name, value] of Object.entries(response.headers))
          if (typeof value === 'string') headers.set(name, value);
        resolve(new Response(Buffer.concat(chunks), { status: response.statusCode ?? 0, headers }));
      });
    });
    request.on('error', reject);
  });

/**
 * A relying party configured with `issuer`: it reads the discovery document under it (whose
 * issuer must be that issuer, OIDC Discovery §4.3), then verifies tokens with the keys at
 * its jwks_uri, requiring `iss` to be its issuer.
 */
async function relyingParty(issuer: string): Promise<(jwt: string) => Promise<unknown>> {
  const response = await fetchTrustingTestCa(`${issuer}/${DISCOVERY_KEY}`, {
    headers: new Headers(),
    method: 'GET',
    redirect: 'manual',
    signal: AbortSignal.timeout(5000),
  });
  expect(response.status).toBe(200);
  const discovery = (await response.json()) as { issuer: string; jwks_uri: string };
  expect(discovery.issuer).toBe(issuer);
  const keys = createRemoteJWKSet(new URL(discovery.jwks_uri), { [customFetch]: fetchTrustingTestCa });
  return (jwt) => jwtVerify(jwt, keys, { issuer, audience: AUDIENCE });
}

/** A folder below the site's root no other test uses, and the issuer URL it stands for. */
function newPrefix(): { folder: string; issuerOf: (prefix: string) => string; name: string } {
  const name = `p${++folders}`;
  return { folder: join(root, name), issuerOf: (prefix) => `${base}/${name}/${prefix}`, name };
}

interface Run {
  report: PublishReport;
  stdout: string;
  stderr: string;
}

async function publish(api: ApiServerStandIn, argv: Record<string, unknown>, now = T0): Promise<Run> {
  const { io, out } = captureIo(() => now);
  const config = resolvePublishConfig(
    { 'upstream-host': api.url, 'sa-token-path': creds.tokenPath, 'sa-ca-cert-path': creds.caPath, ...argv },
    {},
  );
  const report = await runPublish(config, io);
  return { report, ...out };
}

/** The cluster settings verify --compare-cluster resolves from its flags. */
function clusterSettings(api: ApiServerStandIn): ClusterSettings {
  return {
    source: {
      upstreamHost: api.url,
      timeoutMs: 5000,
      tokenPath: creds.tokenPath,
      caCertPath: creds.caPath,
      kubeconfig: undefined,
      context: undefined,
    },
    normalize: { pretty: true, jwksUri: { mode: 'auto' } },
  };
}

function verify(
  issuer: string,
  extra: Partial<Parameters<typeof runChecks>[0]> = {},
): Promise<CheckResult[]> {
  return runChecks({
    issuer,
    extraCa: pki.caCertPem,
    allowPrivate: true,
    timeoutMs: 5000,
    compareCluster: true,
    cluster: clusterSettings(cluster),
    ...extra,
  });
}

const failed = (results: CheckResult[]) => results.filter((r) => r.status === 'fail').map((r) => r.check);
const messageOf = (results: CheckResult[], check: string) => results.find((r) => r.check === check)?.message;

/** The stand-in in the middle of a migration: NEW first (named, minted), OLD still accepted. */
function migratingCluster(keys: KeyObject[], issuers: string[]): Promise<ApiServerStandIn> {
  const [first] = issuers;
  // --service-account-jwks-uri set for the issuer the cluster names, as a published issuer has it.
  return startApiServer({ issuers, jwksUri: `${first}/${JWKS_KEY}`, keys, tokens: [token], pki });
}

beforeAll(async () => {
  [pki, root] = await Promise.all([createTestPki(), mkdtemp(join(tmpdir(), 'kog-migration-'))]);
  site = https.createServer({ key: pki.keyPem, cert: pki.certPem }, (req, res) => {
    serveRoot(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  base = `https://127.0.0.1:${(site.address() as AddressInfo).port}`;
  // One origin, two prefixes: a bucket that holds both issuers.
  NEW = `${base}/new`;
  OLD = `${base}/old`;
  token = randomToken();
  signingKeys = [nextRsaKeyPair().privateKey, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey];
  [creds, cluster] = await Promise.all([
    writeStandInCredentials(token, pki.caCertPem),
    migratingCluster(signingKeys, [NEW, OLD]),
  ]);
});

afterAll(async () => {
  site?.closeAllConnections();
  await Promise.all([
    cluster?.close(),
    new Promise((resolve) => (site ? site.close(resolve) : resolve(undefined))),
  ]);
  await Promise.all([
    rm(root, { recursive: true, force: true }),
    rm(creds?.dir ?? '', { recursive: true, force: true }),
    pki?.cleanup(),
  ]);
});

describe('publishing NEW and OLD from a cluster that names NEW', () => {
  let newRun: Run;
  let oldRun: Run;

  beforeAll(async () => {
    [newRun, oldRun] = await Promise.all([
      publish(cluster, { dest: [join(root, 'new')] }),
      publish(cluster, { dest: [join(root, 'old')], issuer: OLD }),
    ]);
  });

  it('publishes the same key set byte for byte; the discovery documents differ in issuer and jwks_uri only, in the same member order', async () => {
    expect([newRun.report.ok, newRun.stderr, oldRun.report.ok, oldRun.stderr]).toEqual([true, '', true, '']);
    const [newJwks, oldJwks] = await Promise.all([
      readFile(join(root, 'new', JWKS_KEY)),
      readFile(join(root, 'old', JWKS_KEY)),
    ]);
    expect(oldJwks.equals(newJwks)).toBe(true);
    const newDiscovery = JSON.parse(await readFile(join(root, 'new', DISCOVERY_KEY), 'utf8'));
    const oldDiscovery = JSON.parse(await readFile(join(root, 'old', DISCOVERY_KEY), 'utf8'));
    expect(Object.keys(oldDiscovery)).toEqual(Object.keys(JSON.parse(cluster.discoveryJson())));
    expect(newDiscovery).toEqual({ ...JSON.parse(cluster.discoveryJson()), jwks_uri: `${NEW}/${JWKS_KEY}` });
    // auto: the cluster's jwks_uri is NEW's (same origin as OLD, but not under it), so OLD gets its own.
    expect(oldDiscovery).toEqual({ ...newDiscovery, issuer: OLD, jwks_uri: `${OLD}/${JWKS_KEY}` });
  });

  it('says which issuer was published and which the cluster names, in text and in the report', () => {
    expect(oldRun.stdout.split('\n')[1]).toBe(
      `issuer    ${OLD}  (re-issued: the cluster's discovery document names ${NEW})`,
    );
    expect(oldRun.report).toMatchObject({ issuer: OLD, clusterIssuer: NEW, jwksUri: `${OLD}/${JWKS_KEY}` });
    expect(newRun.stdout).not.toMatch(/^issuer/m);
    expect(newRun.report.issuer).toBe(NEW);
    expect(newRun.report.clusterIssuer).toBeUndefined();
  });

  it("a token carrying OLD verifies against OLD's published documents, one carrying NEW against NEW's; neither against the other", async () => {
    const [atOld, atNew] = await Promise.all([relyingParty(OLD), relyingParty(NEW)]);
    const claims = { namespace: 'apps', name: 'worker', audiences: [AUDIENCE] };
    // Minted before the flip (OLD), and now (NEW, as every TokenRequest is).
    const oldToken = await cluster.mintToken({ ...claims, issuer: OLD });
    const newToken = await cluster.mintToken(claims);
    await expect(atOld(oldToken)).resolves.toMatchObject({ payload: { iss: OLD } });
    await expect(atNew(newToken)).resolves.toMatchObject({ payload: { iss: NEW } });
    for (const [verifier, other] of [
      [atOld, newToken],
      [atNew, oldToken],
    ] as const) {
      await expect(verifier(other)).rejects.toMatchObject({
        code: 'ERR_JWT_CLAIM_VALIDATION_FAILED',
        claim: 'iss',
      });
    }
  });

  it('verify --compare-cluster passes for each, comparing OLD with the cluster re-issued under OLD, and says so', async () => {
    const [forOld, forNew] = await Promise.all([verify(OLD), verify(NEW)]);
    expect(failed(forOld)).toEqual([]);
    expect(failed(forNew)).toEqual([]);
    expect(messageOf(forOld, 'cluster-fetch')).toMatch(
      new RegExp(
        `: 2 keys; its discovery document names ${NEW}, so they are compared re-issued under ${OLD}$`,
      ),
    );
    expect(messageOf(forOld, 'cluster-discovery')).toBe(
      `the public discovery document matches the cluster’s re-issued under ${OLD}`,
    );
    expect(messageOf(forNew, 'cluster-fetch')).toMatch(/: 2 keys$/);
    expect(messageOf(forNew, 'cluster-discovery')).toBe(
      'the public discovery document matches the cluster’s',
    );
  });

  it("verify checks an OLD token against OLD's documents like a relying party", async () => {
    const tokenPath = join(root, 'old-token');
    await writeFile(tokenPath, await cluster.mintToken({ namespace: 'apps', name: 'w', issuer: OLD }));
    const results = await verify(OLD, { compareCluster: false, token: { kind: 'file', path: tokenPath } });
    expect(failed(results)).toEqual([]);
    expect(messageOf(results, 'token-signature')).toMatch(/verifies against the public JWKS$/);
  });
});

describe('--issuer and --jwks-uri', () => {
  it("--issuer equal to the cluster's own changes nothing; keep is refused for OLD, an explicit URL under OLD is taken", async () => {
    const { folder } = newPrefix();
    const [pinned, named] = await Promise.all([
      publish(cluster, { dest: [join(folder, 'pinned')], issuer: NEW }),
      publish(cluster, { dest: [join(folder, 'named')] }),
    ]);
    expect(pinned.report.clusterIssuer).toBeUndefined();
    expect(pinned.stdout).toBe(named.stdout.replaceAll('/named/', '/pinned/'));
    expect(await filesOf(join(folder, 'pinned'))).toEqual(await filesOf(join(folder, 'named')));

    // keep: the cluster's jwks_uri is NEW's, which no object under OLD's prefix can serve.
    const keep = await publish(cluster, { dest: [join(folder, 'keep')], issuer: OLD, 'jwks-uri': 'keep' });
    expect(keep.report.error).toEqual({
      code: 'PUBLISH_INVALID',
      message: expect.stringContaining(`jwks_uri ${NEW}/${JWKS_KEY} is not under the issuer ${OLD}`),
    });
    await expect(readdir(join(folder, 'keep'))).rejects.toMatchObject({ code: 'ENOENT' });

    const explicit = await publish(cluster, {
      dest: [join(folder, 'explicit')],
      issuer: OLD,
      'jwks-uri': `${OLD}/keys.json`,
    });
    expect(explicit.report).toMatchObject({ ok: true, jwksUri: `${OLD}/keys.json` });
    const kids = JSON.parse(await readFile(join(folder, 'explicit', 'keys.json'), 'utf8')).keys.map(
      (key: { kid: string }) => key.kid,
    );
    expect(kids).toEqual(cluster.keys.map((key) => key.kid));
  });
});

describe("verify --compare-cluster for OLD still finds OLD's copy stale", () => {
  it('when a key the cluster signs with reached NEW but not OLD', async () => {
    const keys = [generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey];
    const { folder, issuerOf } = newPrefix();
    const [newIssuer, oldIssuer] = [issuerOf('new'), issuerOf('old')];
    const api = await migratingCluster(keys, [newIssuer, oldIssuer]);
    try {
      await publish(api, { dest: [join(folder, 'new')] });
      await publish(api, { dest: [join(folder, 'old')], issuer: oldIssuer });
      // An RSA key: the key set and the algorithms listed both change.
      const added = api.addKey(signingKeys[0] as KeyObject);
      await publish(api, { dest: [join(folder, 'new')] });
      const check = (issuer: string) => verify(issuer, { cluster: clusterSettings(api) });
      const [forOld, forNew] = await Promise.all([check(oldIssuer), check(newIssuer)]);
      expect(failed(forNew)).toEqual([]);
      expect(failed(forOld)).toEqual(['cluster-discovery', 'cluster-keys']);
      expect(messageOf(forOld, 'cluster-keys')).toContain(`not published: ${added.kid}`);
      expect(messageOf(forOld, 'cluster-discovery')).toMatch(
        new RegExp(
          `^the public discovery document differs from the cluster’s re-issued under ${oldIssuer}: `,
        ),
      );
    } finally {
      await api.close();
    }
  });
});

describe("the retention state across the flip: a destination's state is its issuer's", () => {
  let keys: KeyObject[];
  beforeAll(() => {
    keys = [
      signingKeys[0] as KeyObject,
      generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
      generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
    ];
  });

  it("OLD's destination, published as OLD after the flip, carries on: nothing rewritten, no warning, a rotated key retained", async () => {
    const { folder, issuerOf } = newPrefix();
    const [newIssuer, oldIssuer] = [issuerOf('new'), issuerOf('old')];
    const dest = join(folder, 'old');
    const [k1, k2, k3] = keys as [KeyObject, KeyObject, KeyObject];
    // Before: the cluster is OLD's; the CronJob publishes it to OLD's prefix.
    const before = await migratingCluster([k1, k2], [oldIssuer]);
    const first = await publish(before, { dest: [dest] });
    await before.close();
    expect(first.report.ok).toBe(true);
    const published = await filesOf(dest);

    // The flip: NEW first. Published with --issuer OLD, OLD's documents stay as they were.
    const after = await migratingCluster([k1, k2], [newIssuer, oldIssuer]);
    try {
      const same = await publish(after, { dest: [dest], issuer: oldIssuer }, T0 + 60_000);
      expect(same.stderr).toBe('');
      expect(same.report.destinations[0]?.objects.map((o) => o.status)).toEqual([
        'unchanged',
        'unchanged',
        'unchanged',
      ]);
      expect(await filesOf(dest)).toEqual(published);

      // A rotation after the flip: OLD's destination retains the key it published before it.
      after.setKeys([k2, k3]);
      const rotated = await publish(after, { dest: [dest], issuer: oldIssuer }, T0 + 120_000);
      expect(rotated.stderr).toBe('');
      const state = JSON.parse(await readFile(join(dest, '.kube-oidc-gateway/state.json'), 'utf8'));
      expect(state.issuer).toBe(oldIssuer);
      const kidOfRemoved = kidOf(k1);
      expect(rotated.report.destinations[0]?.keys?.retained.map((k) => k.kid)).toEqual([kidOfRemoved]);
      // Its window started at the rotation, and its firstSeen is still the first run's, before the flip.
      expect(state.keys.find((k: { kid: string }) => k.kid === kidOfRemoved)).toMatchObject({
        firstSeen: '2026-03-01T12:00:00Z',
        removedAt: '2026-03-01T12:02:00Z',
      });
    } finally {
      await after.close();
    }
  });

  it("publishing the cluster's own issuer (NEW) to OLD's destination warns, names the remedy, and --issuer OLD restores it", async () => {
    const { folder, issuerOf } = newPrefix();
    const [newIssuer, oldIssuer] = [issuerOf('new'), issuerOf('old')];
    const dest = join(folder, 'old');
    const api = await migratingCluster(keys.slice(0, 2), [newIssuer, oldIssuer]);
    try {
      await publish(api, { dest: [dest], issuer: oldIssuer });
      const original = await filesOf(dest);
      // The first CronJob left without --issuer after the flip: OLD's relying parties would now read NEW.
      const forgotten = await publish(api, { dest: [dest] }, T0 + 60_000);
      expect(forgotten.report.ok).toBe(true);
      expect(forgotten.stderr).toBe(
        `warning: ${dest}: the retention state was written for issuer ${oldIssuer}, not ${newIssuer}; starting it over ` +
          `(if relying parties still use ${oldIssuer} here, publish this destination with --issuer ${oldIssuer})\n`,
      );
      expect(JSON.parse((await filesOf(dest)).get(DISCOVERY_KEY) ?? '{}').issuer).toBe(newIssuer);
      const restored = await publish(api, { dest: [dest], issuer: oldIssuer }, T0 + 120_000);
      expect(restored.stderr).toContain(
        `written for issuer ${newIssuer}, not ${oldIssuer}; starting it over`,
      );
      expect((await filesOf(dest)).get(DISCOVERY_KEY)).toBe(original.get(DISCOVERY_KEY));
      expect((await filesOf(dest)).get(JWKS_KEY)).toBe(original.get(JWKS_KEY));
    } finally {
      await api.close();
    }
  });
});

describe('the built CLI', () => {
  it('publish --issuer (or PUBLISH_ISSUER) from a cluster: the issuer line, and both issuers in the JSON report', async () => {
    const { folder } = newPrefix();
    const env = { UPSTREAM_HOST: cluster.url, SA_TOKEN_PATH: creds.tokenPath, SA_CA_CERT_PATH: creds.caPath };
    const [text, json] = await Promise.all([
      runCli(['publish', '--dest', join(folder, 'text'), '--issuer', OLD], { env }),
      runCli(['publish', '--dest', join(folder, 'json'), '--output', 'json'], {
        env: { ...env, PUBLISH_ISSUER: OLD },
      }),
    ]);
    expect([text.code, text.stderr, json.code, json.stderr]).toEqual([0, '', 0, '']);
    expect(text.stdout.split('\n')[1]).toBe(
      `issuer    ${OLD}  (re-issued: the cluster's discovery document names ${NEW})`,
    );
    const report = JSON.parse(json.stdout);
    expect(Object.keys(report).slice(0, 6)).toEqual([
      'ok',
      'dryRun',
      'source',
      'issuer',
      'clusterIssuer',
      'jwksUri',
    ]);
    expect(report).toMatchObject({
      ok: true,
      issuer: OLD,
      clusterIssuer: NEW,
      jwksUri: `${OLD}/${JWKS_KEY}`,
    });
  });
});

/** Every file below `folder`, by its path relative to it. */
async function filesOf(folder: string): Promise<Map<string, string>> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  const files = entries.filter((entry) => entry.isFile());
  return new Map(
    await Promise.all(
      files.map(
        async (entry) =>
          [
            join(entry.parentPath, entry.name).slice(folder.length + 1),
            await readFile(join(entry.parentPath, entry.name), 'utf8'),
          ] as const,
      ),
    ),
  );
}
