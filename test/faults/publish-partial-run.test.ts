/**
 * A run that publishes the JWKS and then fails or dies before its state write (issue 7,
 * item 6): R1 publishes k8,k9; R2 publishes k10,k11 but its state write fails (a 503) or
 * the process is killed (kill -9); R3, with another key set, must keep k10,k11 for their
 * retention window, since tokens they signed are still out there.
 *
 * - The 503 case, deterministic, in process with an injected clock, on S3 and GCS through a
 *   fault proxy: every window is checked to the second.
 * - A bounded kill -9 loop on a folder and on s3rver, side by side: each iteration starts
 *   the built CLI as a process and kills it at a random point of its writes, checks what a
 *   relying party would see (the discovery document and the JWKS parse, validate and agree;
 *   no kid ever published has vanished: the window is 24 h and the test takes seconds), then
 *   lets a run with yet another key set complete (in this process: only the killed run has
 *   to be a process) and checks again, and that no temporary file is left. The seed is
 *   printed; KOG_KILL_SEED replays one, KOG_KILL_ITERATIONS runs more iterations.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { watch } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateDiscovery, validateJwks } from '../../src/core/validate.js';
import { resolvePublishConfig } from '../../src/publish/config.js';
import { publishFailure, runPublish } from '../../src/publish/run.js';
import {
  captureIo,
  cliFlags,
  DISCOVERY_KEY,
  type FaultProxy,
  JWKS_KEY,
  type Refusal,
  STATE_KEY,
  startFaultProxy,
} from '../publish.support.js';
import { CLI_PATH, cleanEnv } from '../support/cli.js';
import { type GcsEmulator, startGcsEmulator } from '../support/gcs-emulator.js';
import { nextRsaKeyPair } from '../support/rsa-keys.js';
import { S3_CREDENTIALS_ENV, type S3TestServer, startS3Server } from '../support/s3-server.js';

const ISSUER = 'https://oidc.example.com/cluster-1';
const T0 = Date.parse('2026-03-01T12:00:00Z');
const HOUR = 3600_000;
/**
 * Killed runs per store, each a process. Each run of the suite draws new kill points, so
 * the gaps between the writes are all hit over a few runs; raise it to search harder.
 */
const KILL_ITERATIONS = Number(process.env.KOG_KILL_ITERATIONS ?? 3);
if (!Number.isInteger(KILL_ITERATIONS) || KILL_ITERATIONS < 1) {
  throw new Error(`KOG_KILL_ITERATIONS must be a whole number of at least 1, not ${KILL_ITERATIONS}`);
}

const S3_UNAVAILABLE: Refusal = {
  status: 503,
  contentType: 'application/xml',
  body: '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>ServiceUnavailable</Code><Message>Please reduce your request rate.</Message><RequestId>T</RequestId></Error>',
};
const GCS_UNAVAILABLE: Refusal = {
  status: 503,
  contentType: 'application/json; charset=UTF-8',
  body: JSON.stringify({
    error: { code: 503, message: 'Backend Error', errors: [{ reason: 'backendError' }] },
  }),
};

let dir: string;
let s3: S3TestServer;
let gcs: GcsEmulator;
let s3Proxy: FaultProxy;
let gcsProxy: FaultProxy;
let s3Client: S3Client;
let keyCount = 0;
const savedEnv = { ...process.env };

beforeAll(async () => {
  [dir, s3, gcs] = await Promise.all([
    mkdtemp(join(tmpdir(), 'kog-partial-run-')),
    startS3Server(),
    startGcsEmulator(),
  ]);
  [s3Proxy, gcsProxy] = await Promise.all([startFaultProxy(s3.endpoint), startFaultProxy(gcs.host)]);
  s3Client = new S3Client(s3.clientConfig());
  Object.assign(process.env, S3_CREDENTIALS_ENV, { STORAGE_EMULATOR_HOST: gcsProxy.url });
});

afterAll(async () => {
  s3Client?.destroy();
  process.env = savedEnv;
  await Promise.all([s3Proxy?.close(), gcsProxy?.close()]);
  await Promise.all([s3?.close(), gcs?.stop(), rm(dir, { recursive: true, force: true })]);
});

/** A fresh key file: an EC key, or an RSA key (a second algorithm changes the discovery document too). */
async function newKeyFile(type: 'ec' | 'rsa' = 'ec'): Promise<string> {
  keyCount += 1;
  const path = join(dir, `key-${keyCount}.pub`);
  const { publicKey } = type === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : nextRsaKeyPair();
  await writeFile(path, publicKey.export({ type: 'spki', format: 'pem' }));
  return path;
}

describe.each([
  [
    'S3',
    () => s3Proxy,
    S3_UNAVAILABLE,
    's3://test-bucket/partial',
    () => ({ 's3-endpoint': s3Proxy.url, 's3-force-path-style': true }),
  ],
  ['GCS', () => gcsProxy, GCS_UNAVAILABLE, 'gs://oidc-bucket/partial', () => ({})],
] as const)('a state write refused with 503 (%s)', (_name, proxy, unavailable, dest, flags) => {
  async function publish(keyFiles: string[], now: number) {
    const { io, out } = captureIo(() => now);
    const argv = { dest: [dest], 'from-keys': keyFiles, issuer: ISSUER, ...flags() };
    const report = await runPublish(resolvePublishConfig(argv, {}), io);
    return { report, error: publishFailure(report), ...out };
  }

  it('the next run, with another key set, keeps the keys that run published for their window', async () => {
    const [k8, k9, k10, k11, k12, k13] = await Promise.all([
      newKeyFile(),
      newKeyFile(),
      newKeyFile(),
      newKeyFile(),
      newKeyFile(),
      newKeyFile(),
    ]);
    const r1 = await publish([k8, k9], T0);
    expect(r1.error).toBeUndefined();
    const kids = (run: typeof r1) => run.report.destinations[0]?.keys?.kids ?? [];
    const [kid8, kid9] = kids(r1);

    proxy().refuse(({ method, url }) =>
      (method === 'PUT' || method === 'POST') && decodeURIComponent(url).includes(STATE_KEY)
        ? unavailable
        : undefined,
    );
    const r2 = await publish([k10, k11], T0 + HOUR);
    proxy().refuse(undefined);
    expect(r2.error?.code).toBe('STORE_WRITE_FAILED');
    expect(r2.error?.message).toMatch(/state\.json: write failed \(HTTP 503/);
    const statuses = r2.report.destinations[0]?.objects.map((object) => `${object.kind}:${object.status}`);
    expect(statuses).toEqual(['jwks:updated', 'discovery:unchanged', 'state:failed']);
    const [kid10, kid11] = kids(r2);

    // R3: k10 and k11 are in the published JWKS only; the state (R1's) never heard of them.
    const r3 = await publish([k12, k13], T0 + 2 * HOUR);
    expect(r3.error).toBeUndefined();
    const [kid12, kid13] = kids(r3);
    expect(kids(r3)).toEqual([kid12, kid13, kid8, kid9, kid10, kid11]);
    expect(r3.report.destinations[0]?.keys?.dropped).toEqual([]);
    const removedAt = '2026-03-01T14:00:00Z';
    const until = '2026-03-02T14:00:00Z';
    expect(r3.report.destinations[0]?.keys?.retained).toEqual(
      [kid8, kid9, kid10, kid11].map((kid) => ({ kid, removedAt, until })),
    );

    // One second before the window ends they are all still there; at its end all four go.
    const inside = await publish([k12, k13], Date.parse(until) - 1000);
    expect(kids(inside)).toHaveLength(6);
    const over = await publish([k12, k13], Date.parse(until));
    expect(over.error).toBeUndefined();
    expect(kids(over)).toEqual([kid12, kid13]);
    expect(over.report.destinations[0]?.keys?.dropped).toEqual([kid8, kid9, kid10, kid11]);
  });
});

/** What the kill loop needs of a destination. */
interface KillTarget {
  dest: string;
  /** The flags besides --dest, as argv for an in-process run; `args` gives them to the CLI. */
  flags: Record<string, string | boolean>;
  env: Record<string, string>;
  read(key: string): Promise<string | undefined>;
  /** Calls `onWrite` at each write the run makes (a PUT reaching the store, a file event in the folder). */
  watchWrites(onWrite: () => void): Promise<() => void>;
  /** How many such events a run makes at most: the kill lands at one of them. */
  writeEvents: number;
  /** Leftover temporary files (a folder only). */
  temporaries(): Promise<string[]>;
  /** Resolves once every write that reached the store has landed (a killed client's last PUT too). */
  settled(): Promise<void>;
}

function folderTarget(root: string): KillTarget {
  return {
    dest: root,
    flags: {},
    env: {},
    // A temporary file created, written and renamed, for up to three files.
    writeEvents: 9,
    read: (key) => readFile(join(root, key), 'utf8').catch(() => undefined),
    async watchWrites(onWrite) {
      await mkdir(root, { recursive: true });
      const watcher = watch(root, { recursive: true }, () => onWrite());
      return () => watcher.close();
    },
    async temporaries() {
      const entries = await readdir(root, { recursive: true });
      return entries.filter((entry) => entry.endsWith('.tmp'));
    },
    // A rename is atomic and done when the killed process is gone.
    settled: async () => {},
  };
}

function s3Target(prefix: string): KillTarget {
  return {
    dest: `s3://test-bucket/${prefix}`,
    flags: { 's3-endpoint': s3Proxy.url, 's3-force-path-style': true },
    env: S3_CREDENTIALS_ENV,
    // The JWKS, the discovery document (when its algs change) and the state.
    writeEvents: 3,
    async read(key) {
      try {
        const object = await s3Client.send(
          new GetObjectCommand({ Bucket: 'test-bucket', Key: `${prefix}/${key}` }),
        );
        return await object.Body?.transformToString();
      } catch {
        return undefined;
      }
    },
    async watchWrites(onWrite) {
      s3Proxy.refuse(({ method }) => {
        if (method === 'PUT') onWrite();
        return undefined;
      });
      return () => s3Proxy.refuse(undefined);
    },
    temporaries: async () => [],
    settled: () => s3Proxy.idle(),
  };
}

/** mulberry32: a small seeded generator, so a failing sequence can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The built CLI publishing to the target, as a process the loop can kill. */
function runCliProcess(
  target: KillTarget,
  keyFiles: string[],
): { child: ChildProcess; exited: Promise<number | null> } {
  const args = [CLI_PATH, 'publish', '--from-keys', ...keyFiles, '--issuer', ISSUER, '--dest', target.dest];
  const child = spawn(process.execPath, [...args, ...cliFlags(target.flags)], {
    env: cleanEnv(target.env),
    stdio: 'ignore',
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, exited };
}

/** A complete run in this process (the environment has the S3 credentials). */
async function runInProcess(target: KillTarget, keyFiles: string[]) {
  const argv = { dest: [target.dest], 'from-keys': keyFiles, issuer: ISSUER, ...target.flags };
  return runPublish(resolvePublishConfig(argv, {}), captureIo().io);
}

const KILL_SEED = Number(process.env.KOG_KILL_SEED ?? Date.now() % 1_000_000);
if (!Number.isInteger(KILL_SEED)) throw new Error(`KOG_KILL_SEED must be a whole number, not ${KILL_SEED}`);

// The two loops share nothing (a folder; s3rver through the proxy no other test here uses
// meanwhile), so they run side by side.
describe.concurrent.each([
  ['a folder', () => folderTarget(join(dir, 'killed'))],
  ['s3rver', () => s3Target('killed')],
])('kill -9 at random points of a run (%s)', (name, make) => {
  it(`${KILL_ITERATIONS} killed runs, each followed by a run with another key set: nothing published vanishes early`, async ({
    expect,
  }) => {
    const seed = KILL_SEED;
    console.info(`kill -9 loop on ${name}: seed ${seed} (KOG_KILL_SEED=${seed} replays it)`);
    const next = random(seed);
    const target = make();
    const everPublished = new Set<string>();
    const where = (what: string) =>
      `${what} (${target.dest}, seed ${seed}: KOG_KILL_SEED=${seed} replays it)`;

    /** What a relying party sees: both documents valid and pointing at each other; no kid gone early. */
    const checkPublished = async (when: string) => {
      const [discoveryText, jwksText] = await Promise.all([
        target.read(DISCOVERY_KEY),
        target.read(JWKS_KEY),
      ]);
      const discovery = validateDiscovery(JSON.parse(discoveryText ?? 'null'));
      expect(discovery.issuer, where(when)).toBe(ISSUER);
      expect(discovery.jwks_uri, where(when)).toBe(`${ISSUER}/${JWKS_KEY}`);
      const kids = validateJwks(JSON.parse(jwksText ?? 'null')).keys.map((key) => key.kid);
      const vanished = [...everPublished].filter((kid) => !kids.includes(kid));
      expect(vanished, where(`${when}: kids published before and gone now`)).toEqual([]);
      for (const kid of kids) everPublished.add(kid);
    };

    expect((await runInProcess(target, [await newKeyFile()])).ok, where('the first run')).toBe(true);
    await checkPublished('after the first run');

    for (let iteration = 1; iteration <= KILL_ITERATIONS; iteration += 1) {
      // A new key set each time (now and then with an RSA key, so the discovery document changes too).
      const keys = [await newKeyFile(), await newKeyFile(next() < 0.3 ? 'rsa' : 'ec')];
      const killAtWrite = 1 + Math.floor(next() * target.writeEvents);
      const delayMs = next() < 0.5 ? 0 : Math.floor(next() * 15);
      const run = runCliProcess(target, keys);
      let writes = 0;
      const stop = await target.watchWrites(() => {
        writes += 1;
        if (writes !== killAtWrite) return;
        if (delayMs === 0) run.child.kill('SIGKILL');
        else setTimeout(() => run.child.kill('SIGKILL'), delayMs);
      });
      const code = await run.exited;
      stop();
      await target.settled();
      await checkPublished(
        `iteration ${iteration}, after a run ${code === null ? 'killed' : `that exited ${code}`}`,
      );

      const after = await runInProcess(target, [await newKeyFile()]);
      expect(after.ok, where(`iteration ${iteration}: the run after the kill`)).toBe(true);
      await checkPublished(`iteration ${iteration}, after the next complete run`);
      expect(await target.temporaries(), where(`iteration ${iteration}: temporary files`)).toEqual([]);
    }
    const state = JSON.parse((await target.read(STATE_KEY)) ?? '{}') as { keys: Array<{ kid: string }> };
    expect(state.keys.map((record) => record.kid).sort()).toEqual([...everPublished].sort());
  });
});

describe('temporary files of a killed run', () => {
  it('are removed by the next run, whether or not it rewrites their object', async () => {
    const root = join(dir, 'leftovers');
    const keyFile = await newKeyFile();
    const { io } = captureIo();
    const config = resolvePublishConfig({ dest: [root], 'from-keys': [keyFile], issuer: ISSUER }, {});
    expect((await runPublish(config, io)).ok).toBe(true);
    const leftovers = [
      'openid/v1/.jwks.0123456789ab.tmp',
      '.well-known/.openid-configuration.a1b2c3d4e5f6.tmp',
      '.kube-oidc-gateway/.state.json.ffffffffffff.tmp',
    ];
    for (const leftover of leftovers) await writeFile(join(root, leftover), '{"half":');
    // Not ours: another name, or not our pattern.
    await writeFile(join(root, 'openid/v1/.other.0123456789ab.tmp'), 'x');
    await writeFile(join(root, 'openid/v1/notes.tmp'), 'x');
    const run = await runPublish(config, io);
    expect(run.destinations[0]?.objects.map((object) => object.status)).toEqual([
      'unchanged',
      'unchanged',
      'unchanged',
    ]);
    expect(
      (await readdir(root, { recursive: true })).filter((entry) => entry.endsWith('.tmp')).sort(),
    ).toEqual(['openid/v1/.other.0123456789ab.tmp', 'openid/v1/notes.tmp']);
  });

  it('--dry-run leaves them alone: it writes nothing', async () => {
    const root = join(dir, 'leftovers-dry');
    const keyFile = await newKeyFile();
    const { io } = captureIo();
    const argv = { dest: [root], 'from-keys': [keyFile], issuer: ISSUER };
    expect((await runPublish(resolvePublishConfig(argv, {}), io)).ok).toBe(true);
    await writeFile(join(root, 'openid/v1/.jwks.0123456789ab.tmp'), '{"half":');
    expect((await runPublish(resolvePublishConfig({ ...argv, 'dry-run': true }, {}), io)).ok).toBe(true);
    expect(await readdir(join(root, 'openid/v1'))).toContain('.jwks.0123456789ab.tmp');
  });
});
