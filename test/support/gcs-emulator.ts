/**
 * Test harness: a real GCS JSON API server — the Cloud Storage emulator of firebase-tools (pinned
 * devDependency), run IN-PROCESS on 127.0.0.1 without Java and without any download.
 *
 * How: `firebase emulators:start` needs a Java rules runtime (downloaded jar). The GCS JSON API part
 * (lib/emulator/storage/apis/gcloud.js) does not use rules at all: it goes through the emulator's
 * "admin" storage layer, whose validator allows everything. So we subclass `StorageEmulator`
 * (lib/emulator/storage/index.js), make its rules runtime and rules manager start/stop no-ops,
 * override `start()` to build the same express app (`createApp` from ./server.js) but listen on
 * 127.0.0.1 port 0 (the original listens on a fixed port with no error handling), report that port
 * from `getInfo()`, and start it through `EmulatorRegistry.start` (lib/emulator/registry.js) so that
 * the links the emulator builds (selfLink, mediaLink) point at it. Persistence goes to a fresh temp
 * dir per instance (the default `${tmpdir}/firebase/storage/blobs` is shared between processes and
 * `stop()` deletes it recursively).
 *
 * Client: `@google-cloud/storage` 7.x talks to it when `STORAGE_EMULATOR_HOST=http://127.0.0.1:PORT`
 * is set before `new Storage({ projectId: 'test' })` (then it uses no credentials and the base URL
 * `http://127.0.0.1:PORT/b/...`). `apiEndpoint` alone is NOT enough: it makes the client use
 * `/storage/v1/b/...`, which the emulator serves only for GET/DELETE/list, not PATCH.
 *
 * Behaviour (checked in object-servers.test.ts):
 * - Buckets spring into existence on first use; there is no bucket creation step.
 * - `save(buf, { contentType, metadata: { cacheControl, metadata: { sha256 } }, resumable: false })`
 *   stores contentType, cacheControl and custom metadata; `getMetadata()` returns them
 *   (`metadata.metadata.sha256`), plus `md5Hash` (base64 md5 of the bytes), `crc32c`, `generation`,
 *   `etag`. The etag is derived from generation/metageneration, NOT from the content: re-uploading the
 *   same bytes changes generation and etag; compare `md5Hash` or the sha256 metadata instead.
 * - Preconditions (`ifGenerationMatch`, `ifMetagenerationMatch`) are ignored.
 * - Everything is readable anonymously (no auth is checked on the GCS API). Public download URL forms
 *   that work (all give the bytes with `Content-Type` and `Cache-Control` as stored, `ETag`,
 *   `x-goog-hash: crc32c=...,md5=...`, `x-goog-generation`, and `Content-Disposition: attachment`):
 *     `http://127.0.0.1:PORT/<bucket>/<name>`  (name's `/` literal or `%2F`; this is `file.publicUrl()`
 *         with STORAGE_EMULATOR_HOST set, the emulator's equivalent of https://storage.googleapis.com/b/o)
 *     `http://127.0.0.1:PORT/download/storage/v1/b/<bucket>/o/<urlencoded name>?alt=media` (`mediaLink`)
 *     `http://127.0.0.1:PORT/b/<bucket>/o/<urlencoded name>?alt=media`
 *   The custom metadata is NOT returned as an `x-goog-meta-*` header. A missing object gives 404.
 *   Conditional GET (If-None-Match) is not implemented: always 200.
 *
 * Lifecycle: `startGcsEmulator()` / `stop()` can be repeated any number of times in one process,
 * each start giving an empty store; but only ONE instance may run at a time per process
 * (firebase-tools' EmulatorRegistry is a process-wide singleton), a second concurrent start throws.
 * Vitest runs each test file in its own worker, so files do not conflict. `reset()` empties the store.
 *
 * Startup: the first start in a process loads firebase-tools' modules (lazily): ~0.2 s with a warm
 * file cache, ~0.6 s cold. Each later start or stop takes ~2 ms.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequestLog, type RecordedRequest, type RequestFilter } from './s3-server.js';

export type { RecordedRequest, RequestFilter };

export interface GcsEmulator {
  /** `http://127.0.0.1:PORT`: the value for STORAGE_EMULATOR_HOST. */
  host: string;
  port: number;
  projectId: string;
  requests: RecordedRequest[];
  count(filter?: RequestFilter): number;
  /** Number of PUT/POST/PATCH/DELETE requests received. */
  writeCount(): number;
  resetRequests(): void;
  /** Deletes all buckets and objects. */
  reset(): void;
  /** Sets process.env.STORAGE_EMULATOR_HOST to `host`; returns a function restoring the old value. */
  applyEnv(): () => void;
  /** Anonymous download URL `<host>/<bucket>/<name>` (what `file.publicUrl()` gives). */
  objectUrl(bucket: string, name: string): string;
  stop(): Promise<void>;
}

export interface GcsEmulatorOptions {
  /** Default `'test'`. */
  projectId?: string;
}

// Minimal view of the firebase-tools internals used here (firebase-tools is CommonJS, untyped).
interface EmulatorInfo {
  name: string;
  host: string;
  port: number;
}
interface StorageEmulatorBase {
  args: { projectId: string };
  _app?: { listen(port: number, host: string): Server };
  _rulesRuntime: { start(...args: unknown[]): Promise<void>; stop(): Promise<void> };
  _rulesManager: { start(): Promise<unknown>; stop(): Promise<void> };
  destroyServer?: () => Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  reset(): void;
  getName(): string;
  getInfo(): EmulatorInfo;
  getPersistenceTmpDir(): string;
}
type StorageEmulatorCtor = new (args: Record<string, unknown>) => StorageEmulatorBase;
interface FirebaseInternals {
  StorageEmulator: StorageEmulatorCtor;
  EmulatorRegistry: {
    start(instance: StorageEmulatorBase): Promise<void>;
    stop(name: string): Promise<void>;
    isRunning(name: string): boolean;
    clear(name: string): void;
    get(name: string): unknown;
  };
  createApp(
    projectId: string,
    emulator: StorageEmulatorBase,
  ): Promise<NonNullable<StorageEmulatorBase['_app']>>;
  createDestroyer(server: Server): () => Promise<void>;
}

let internals: FirebaseInternals | undefined;
function loadInternals(): FirebaseInternals {
  if (internals) return internals;
  const require = createRequire(import.meta.url);
  const lib = 'firebase-tools/lib';
  internals = {
    StorageEmulator: require(`${lib}/emulator/storage/index.js`).StorageEmulator,
    EmulatorRegistry: require(`${lib}/emulator/registry.js`).EmulatorRegistry,
    createApp: require(`${lib}/emulator/storage/server.js`).createApp,
    createDestroyer: require(`${lib}/utils.js`).createDestroyer,
  };
  return internals;
}

const STORAGE = 'storage';
let busy = false;

export async function startGcsEmulator(opts: GcsEmulatorOptions = {}): Promise<GcsEmulator> {
  if (busy) {
    throw new Error(
      'startGcsEmulator: an emulator is already running in this process (firebase-tools allows one); stop it first',
    );
  }
  busy = true;
  try {
    return await start(opts);
  } catch (err) {
    busy = false;
    throw err;
  }
}

async function start(opts: GcsEmulatorOptions): Promise<GcsEmulator> {
  const fb = loadInternals();
  const projectId = opts.projectId ?? 'test';
  const log = createRequestLog();
  // Per-instance persistence dir. getPersistenceTmpDir() is called from the base constructor, before
  // any subclass field exists, so it is a closure here rather than a field.
  let blobDir: string | undefined;
  const persistenceDir = (): string => {
    blobDir ??= mkdtempSync(join(tmpdir(), 'kog-gcs-emulator-'));
    return blobDir;
  };

  class InProcessStorageEmulator extends fb.StorageEmulator {
    server?: Server;
    port = 0;

    constructor() {
      super({ projectId, host: '127.0.0.1', auto_download: false });
      const noop = async (): Promise<void> => {};
      this._rulesRuntime.start = noop;
      this._rulesRuntime.stop = noop;
      this._rulesManager.start = noop;
      this._rulesManager.stop = noop;
    }

    override getPersistenceTmpDir(): string {
      return persistenceDir();
    }

    override async start(): Promise<void> {
      const app = await fb.createApp(this.args.projectId, this);
      this._app = app;
      const server = app.listen(0, '127.0.0.1');
      server.prependListener('request', (req) => log.record(req.method, req.url));
      await once(server, 'listening');
      this.server = server;
      this.port = (server.address() as AddressInfo).port;
      this.destroyServer = fb.createDestroyer(server);
    }

    override getInfo(): EmulatorInfo {
      return { name: this.getName(), host: '127.0.0.1', port: this.port };
    }
  }

  const emulator = new InProcessStorageEmulator();
  try {
    await fb.EmulatorRegistry.start(emulator);
  } catch (err) {
    if (fb.EmulatorRegistry.get(STORAGE) === emulator) {
      await fb.EmulatorRegistry.stop(STORAGE);
      fb.EmulatorRegistry.clear(STORAGE);
    }
    if (blobDir) rmSync(blobDir, { recursive: true, force: true });
    throw err;
  }
  const host = `http://127.0.0.1:${emulator.port}`;
  let stopped = false;

  const handle: GcsEmulator = {
    host,
    port: emulator.port,
    projectId,
    requests: log.requests,
    count: log.count,
    writeCount: log.writeCount,
    resetRequests: log.resetRequests,
    reset: () => emulator.reset(),
    applyEnv: () => {
      const previous = process.env.STORAGE_EMULATOR_HOST;
      process.env.STORAGE_EMULATOR_HOST = host;
      return () => {
        if (previous === undefined) delete process.env.STORAGE_EMULATOR_HOST;
        else process.env.STORAGE_EMULATOR_HOST = previous;
      };
    },
    objectUrl: (bucket, name) => `${host}/${bucket}/${name.split('/').map(encodeURIComponent).join('/')}`,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      try {
        // StorageEmulator.stop(): deletes the persistence dir, then destroys the server and its sockets.
        // EmulatorRegistry.stop() swallows errors and then leaves the instance registered.
        await fb.EmulatorRegistry.stop(STORAGE);
      } finally {
        fb.EmulatorRegistry.clear(STORAGE);
        emulator.server?.closeAllConnections();
        if (blobDir) rmSync(blobDir, { recursive: true, force: true });
        busy = false;
      }
    },
  };
  return handle;
}
