/**
 * publish, one whole run in-process (run.ts): the HTTPS kube-apiserver stand-in as the
 * source, folders as destinations, the clock injected. What is the same on every store (the
 * write order, unchanged runs, refusals, dry run, retention) is asserted once per store by
 * the contract suite (test/stores) and in detail on the memory store (src/publish/sync.test.ts);
 * here is what a run adds around them: the documents are the source's, a bad source or issuer
 * touches no destination, several destinations are each reported, the public URL check.
 * Each test publishes into a folder of its own.
 */
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { normalizeDiscovery, normalizeJwks } from '../src/core/documents.js';
import type { GatewayError } from '../src/core/errors.js';
import { resolvePublishConfig } from '../src/publish/config.js';
import type { PublishReport } from '../src/publish/report.js';
import { publishFailure, runPublish } from '../src/publish/run.js';
import {
  captureIo,
  DISCOVERY_KEY,
  JWKS_KEY,
  STATE_KEY,
  type StandInCredentials,
  writeStandInCredentials,
} from './publish.support.js';
import {
  type ApiServerStandIn,
  DISCOVERY_PATH,
  JWKS_PATH,
  randomToken,
  startApiServer,
} from './support/apiserver.js';

const ISSUER = 'https://oidc.example.com/cluster-1';
const T0 = Date.parse('2026-03-01T12:00:00Z');

let api: ApiServerStandIn;
let creds: StandInCredentials;
let root: string;
let folders = 0;

beforeAll(async () => {
  const token = randomToken();
  [api, root] = await Promise.all([
    startApiServer({ tokens: [token], issuer: ISSUER, jwksUri: `${ISSUER}/openid/v1/jwks` }),
    mkdtemp(join(tmpdir(), 'kog-publish-')),
  ]);
  creds = await writeStandInCredentials(token, api.caCertPem);
});

afterAll(async () => {
  await Promise.all([api?.close(), rm(root, { recursive: true, force: true })]);
  await rm(creds?.dir ?? '', { recursive: true, force: true });
});

afterEach(() => {
  api.setFault(DISCOVERY_PATH, undefined);
  api.setFault(JWKS_PATH, undefined);
});

/** A folder no other test uses. */
const newFolder = () => join(root, `dest-${++folders}`);

function argvFor(dest: string | string[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    dest: Array.isArray(dest) ? dest : [dest],
    'upstream-host': api.url,
    'sa-token-path': creds.tokenPath,
    'sa-ca-cert-path': creds.caPath,
    ...extra,
  };
}

interface Run {
  report: PublishReport;
  /** Undefined when the run succeeded. */
  error: GatewayError | undefined;
  stdout: string;
  stderr: string;
}

async function publish(argv: Record<string, unknown>, now = T0): Promise<Run> {
  const { io, out } = captureIo(() => now);
  const report = await runPublish(resolvePublishConfig(argv, {}), io);
  return { report, error: publishFailure(report), ...out };
}

/** Every file below `folder`, with its inode: a file replaced has a new one. */
async function filesOf(folder: string): Promise<Map<string, { body: string; ino: number }>> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true }).catch(() => []);
  const files = entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
  return new Map(
    await Promise.all(
      files.map(
        async (path) =>
          [
            relative(folder, path),
            { body: await readFile(path, 'utf8'), ino: (await stat(path)).ino },
          ] as const,
      ),
    ),
  );
}

const lines = (text: string) => text.split('\n').filter(Boolean);

describe('publish (one run, in-process)', () => {
  it('publishes exactly what the source serves, as rendered by the core; a second run writes nothing', async () => {
    const folder = newFolder();
    const run = await publish(argvFor(folder));
    expect(run.error).toBeUndefined();
    const jwks = normalizeJwks(JSON.parse(api.jwksJson()), { pretty: true });
    const discovery = normalizeDiscovery(JSON.parse(api.discoveryJson()), {
      pretty: true,
      jwksUri: { mode: 'auto' },
    });
    const files = await filesOf(folder);
    expect([...files.keys()].sort()).toEqual([DISCOVERY_KEY, STATE_KEY, JWKS_KEY].sort());
    expect(files.get(JWKS_KEY)?.body).toBe(jwks.body.toString());
    expect(files.get(DISCOVERY_KEY)?.body).toBe(discovery.body.toString());
    expect(run.stdout).toMatch(/^created +\S+openid\/v1\/jwks {2}\d+ bytes {2}2 keys \(added /m);
    expect(run.report).toMatchObject({ ok: true, issuer: ISSUER, jwksUri: `${ISSUER}/openid/v1/jwks` });

    const again = await publish(argvFor(folder));
    expect(again.error).toBeUndefined();
    expect(lines(again.stdout).map((line) => line.split(/ +/)[0])).toEqual([
      'source',
      'unchanged',
      'unchanged',
      'unchanged',
    ]);
    expect(lines(again.stdout)[0]).toBe(`source    in-cluster ${api.url}`);
    expect(await filesOf(folder)).toEqual(files);
  });

  it.each([
    ['HTML from a proxy in the way', DISCOVERY_PATH, { kind: 'html' } as const, 'UPSTREAM_NOT_JSON'],
    ['a JWKS carrying a private key', JWKS_PATH, { kind: 'private-key' } as const, 'JWKS_PRIVATE_KEY'],
    ['HTTP 500', JWKS_PATH, { kind: 'status', status: 500 } as const, 'UPSTREAM_STATUS'],
  ])(
    'refuses %s: one-line error, nothing written, the published objects unchanged',
    async (_what, path, fault, code) => {
      const folder = newFolder();
      expect((await publish(argvFor(folder))).error).toBeUndefined();
      const before = await filesOf(folder);
      const added = api.addKey('EC'); // a change that would otherwise be published
      api.setFault(path, fault);
      try {
        const run = await publish(argvFor(folder));
        expect(run.error?.code).toBe(code);
        expect(run.error?.message).not.toContain('\n');
        expect(run.report?.destinations).toEqual([]);
        expect(await filesOf(folder)).toEqual(before);
      } finally {
        api.removeKey(added.kid);
      }
    },
  );

  it('publishes to several destinations in one run, each reported on its own; one failing fails the run', async () => {
    const targets = [newFolder(), newFolder(), newFolder()];
    const run = await publish(argvFor(targets));
    expect(run.error).toBeUndefined();
    expect(run.report?.destinations.map((d) => [d.destination, d.ok])).toEqual(
      targets.map((folder) => [folder, true]),
    );
    // The source, then three lines per destination.
    expect(lines(run.stdout)).toHaveLength(10);
    const bodies = await Promise.all(targets.map((folder) => readFile(join(folder, JWKS_KEY))));
    expect(bodies.every((body) => body.equals(bodies[0] as Buffer))).toBe(true);

    // A fourth destination that cannot work: a file is where the folder should be.
    const blocked = newFolder();
    await writeFile(blocked, 'a file, not a folder');
    const failing = await publish(argvFor([...targets, blocked]));
    expect(failing.error?.code).toBe('STORE_WRITE_FAILED');
    expect(failing.error?.message).toContain(blocked);
    expect(failing.report?.destinations.map((d) => d.ok)).toEqual([true, true, true, false]);
  });

  it('--check-public-url fetches both documents anonymously and compares the bytes', async () => {
    const folder = newFolder();
    const server = await serveFolder(root);
    try {
      const base = `${server.url}/${relative(root, folder)}`;
      const ok = await publish(argvFor(folder, { 'check-public-url': [`${base}/`] }));
      expect(ok.error).toBeUndefined();
      expect(ok.report?.publicChecks.map((check) => [check.kind, check.ok])).toEqual([
        ['discovery', true],
        ['jwks', true],
      ]);
      expect(ok.stdout).toMatch(
        /^public +http:\/\/127\.0\.0\.1:\d+\/dest-\d+\/openid\/v1\/jwks {2}same bytes$/m,
      );
      expect(server.requests.every((request) => request.anonymous)).toBe(true);

      const wrong = await publish(argvFor(folder, { 'check-public-url': [`${server.url}/elsewhere`] }));
      expect(wrong.error?.code).toBe('PUBLIC_CHECK_FAILED');
      expect(wrong.error?.message).toMatch(
        /elsewhere\/\.well-known\/openid-configuration: HTTP 404 \(wrong base URL or prefix\?\) \(and 1 more\)$/,
      );
    } finally {
      await server.close();
    }
  });

  it('refuses an issuer that is not https before touching any destination', async () => {
    const token = randomToken();
    const plain = await startApiServer({ tokens: [token], issuer: 'http://oidc.example.com', pki: api.pki });
    const folder = newFolder();
    try {
      const tokenFile = join(creds.dir, 'plain-token');
      await writeFile(tokenFile, token);
      const run = await publish({
        ...argvFor(folder),
        'upstream-host': plain.url,
        'sa-token-path': tokenFile,
      });
      expect(run.error?.code).toBe('DISCOVERY_INVALID');
      expect(run.error?.message).toBe('discovery document: issuer "http://oidc.example.com" is not https');
      expect(await filesOf(folder)).toEqual(new Map());
    } finally {
      await plain.close();
    }
  });

  it('warns when it rewrites a jwks_uri off the issuer origin, and refuses one no object can serve', async () => {
    const token = randomToken();
    // Without --service-account-jwks-uri kube-apiserver advertises its own address.
    const bare = await startApiServer({ tokens: [token], issuer: ISSUER, pki: api.pki });
    const tokenFile = join(creds.dir, 'bare-token');
    await writeFile(tokenFile, token);
    const folder = newFolder();
    const argv = { ...argvFor(folder), 'upstream-host': bare.url, 'sa-token-path': tokenFile };
    try {
      const auto = await publish(argv);
      expect(auto.error).toBeUndefined();
      expect(auto.stderr).toBe(
        `warning: jwks_uri ${bare.url}/openid/v1/jwks is not on the issuer's origin; publishing ${ISSUER}/openid/v1/jwks instead (--jwks-uri auto)\n`,
      );
      const before = await filesOf(folder);
      const keep = await publish({ ...argv, 'jwks-uri': 'keep' });
      expect(keep.error?.code).toBe('PUBLISH_INVALID');
      expect(keep.error?.message).toContain('is not under the issuer');
      expect(await filesOf(folder)).toEqual(before);
    } finally {
      await bare.close();
    }
  });
});

describe("--provider: each cloud's rules on what was built, as warnings", () => {
  const RSA_KEY = fileURLToPath(new URL('../examples/service-account.pub', import.meta.url));
  const EC_KEY = fileURLToPath(new URL('../examples/service-account-ec.pub', import.meta.url));
  /** An issuer IAM would refuse (a port) and Entra takes. */
  const PORT_ISSUER = 'https://oidc.example.com:8443/cluster-1';
  const fromKeys = (files: string[], dest: string[], extra: Record<string, unknown> = {}) => ({
    'from-keys': files,
    issuer: PORT_ISSUER,
    dest,
    ...extra,
  });
  const kidsOf = async (folder: string) =>
    JSON.parse(await readFile(join(folder, JWKS_KEY), 'utf8')).keys.map(
      (key: { kty: string; kid: string }) => [key.kty, key.kid],
    );

  it('warns per destination (retention differs), in text and in the report, and publishes all the same', async () => {
    const [retaining, fresh] = [newFolder(), newFolder()];
    // An earlier run with an EC key: `retaining` keeps publishing it for a day after it goes.
    expect((await publish(fromKeys([RSA_KEY, EC_KEY], [retaining]))).error).toBeUndefined();
    const [[, rsaKid], [, ecKid]] = await kidsOf(retaining);

    const run = await publish(
      fromKeys([RSA_KEY], [retaining, fresh], { provider: ['azure', 'aws'] }),
      T0 + 3_600_000,
    );
    expect(run.error).toBeUndefined();
    expect(run.report?.ok).toBe(true);
    expect(run.report?.warnings).toEqual([
      `aws-issuer: issuer "${PORT_ISSUER}" has port 8443; IAM takes an https URL with no port, query or fragment`,
      `${retaining}: azure-alg: Entra accepts RS256-signed tokens only; a token from kid "${ecKid}" (EC ES256) would be refused`,
    ]);
    expect(lines(run.stderr)).toEqual(run.report?.warnings.map((warning) => `warning: ${warning}`));
    // Both were written: the retained EC key where it was published before, the RSA key alone where not.
    expect(await kidsOf(retaining)).toEqual([
      ['RSA', rsaKid],
      ['EC', ecKid],
    ]);
    expect(await kidsOf(fresh)).toEqual([['RSA', rsaKid]]);
  });

  it('a dry run warns about what it would publish; nothing is warned without --provider or when every rule holds', async () => {
    const folder = newFolder();
    const dry = await publish(fromKeys([EC_KEY], [folder], { provider: ['gcp', 'azure'], 'dry-run': true }));
    expect(dry.error).toBeUndefined();
    expect(dry.report?.warnings).toEqual([
      expect.stringMatching(
        new RegExp(`^${folder}: azure-alg: .* a token from kid "[^"]+" \\(EC ES256\\) would be refused$`),
      ),
    ]);
    expect(await filesOf(folder)).toEqual(new Map());

    const quiet = await publish(fromKeys([EC_KEY], [folder]));
    expect(quiet.report?.warnings).toEqual([]);
    expect(quiet.stderr).toBe('');
    const holding = await publish({
      ...fromKeys([RSA_KEY], [newFolder()], { provider: ['aws', 'gcp', 'azure'] }),
      issuer: ISSUER,
    });
    expect(holding.error).toBeUndefined();
    expect(holding.report?.warnings).toEqual([]);
    expect(holding.stderr).toBe('');
  });
});

/** A plain static web server over `dir`, as in front of a folder destination; records whether requests were anonymous. */
async function serveFolder(dir: string) {
  const requests: Array<{ path: string; anonymous: boolean }> = [];
  const server = http.createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push({ path, anonymous: req.headers.authorization === undefined });
    const body = path.includes('..') ? undefined : await readFile(join(dir, path)).catch(() => undefined);
    res.writeHead(body ? 200 : 404, { 'content-type': body ? 'application/json' : 'text/plain' });
    res.end(body ?? 'not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}
