/**
 * Test harness: Azurite's Blob service (the pinned `azurite` devDependency), a real Azure
 * Blob Storage API server, as a child process on 127.0.0.1 with a free port, its data in
 * memory only (nothing on disk to clean up), telemetry off (it would otherwise report to
 * Microsoft).
 *
 * Facts about Azurite 3.37 with @azure/storage-blob 12.34 (checked in object-servers.test.ts):
 * - `--skipApiVersionCheck` is required: the SDK sends API version 2026-10-06, which this
 *   Azurite refuses otherwise.
 * - One account, `devstoreaccount1`, with the well-known key below; the Blob endpoint is
 *   path-style, `http://127.0.0.1:PORT/devstoreaccount1`. Shared key signatures are checked
 *   against the path, not the host, so a proxy on another port in front of it works.
 * - Containers must be created; `$web` is an ordinary container here (no static website).
 * - Put Blob stores Content-Type, Cache-Control and metadata; Get Blob Properties returns
 *   them. A missing blob answers 404 with `x-ms-error-code: BlobNotFound`, a missing
 *   container 404 `ContainerNotFound` (a HEAD carries the code in that header only).
 * - Anonymous reads: a private container answers 403 `AuthorizationFailure`; a container
 *   created with access level `blob` serves its blobs to anyone.
 *
 * Start-up takes about 1-3 s (module loading) and 1.3 s of CPU, so a test run shares one
 * (shared-azurite.ts) and each test takes its own container or prefix.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export const AZURITE_ACCOUNT = 'devstoreaccount1';
/** Azurite's published development key: not a secret. */
export const AZURITE_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface Azurite {
  port: number;
  /** `http://127.0.0.1:PORT/devstoreaccount1`: the Blob service endpoint. */
  endpoint: string;
  /** An account-key connection string for `endpoint`, or for another one (a proxy in front). */
  connectionString(endpoint?: string): string;
  stop(): Promise<void>;
}

const MAIN = join(
  dirname(createRequire(import.meta.url).resolve('azurite/package.json')),
  'dist/src/blob/main.js',
);
const START_TIMEOUT_MS = 30_000;

/** Starts Azurite on `port` (0: a free one, which it reports). */
export async function startAzurite(port = 0): Promise<Azurite> {
  const child = spawn(
    process.execPath,
    [
      MAIN,
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      String(port),
      '--inMemoryPersistence',
      // The contract's largest object is 1 MiB; the default is half the machine's memory.
      '--extentMemoryLimit',
      '256',
      '--silent',
      '--skipApiVersionCheck',
      '--disableTelemetry',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH, HOME: process.env.HOME } },
  );
  return { ...azuriteAt(await listeningPort(child)), stop: () => stop(child) };
}

/** The endpoint and connection strings of the Azurite listening on `port`. */
export function azuriteAt(port: number): Omit<Azurite, 'stop'> {
  const endpoint = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
  return {
    port,
    endpoint,
    connectionString: (at = endpoint) =>
      `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=${at};`,
  };
}

/** The port from Azurite's "successfully listens on http://127.0.0.1:PORT" line. */
function listeningPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const onStderr = (chunk: string) => {
      stderr += chunk;
    };
    const onStdout = (chunk: string) => {
      stdout += chunk;
      const port = /successfully listens on http:\/\/127\.0\.0\.1:(\d+)/.exec(stdout)?.[1];
      if (port) {
        settle();
        resolve(Number(port));
      }
    };
    const onExit = (code: number | null, signal: string | null) =>
      fail(`Azurite exited (${code ?? signal}) before it listened`);
    const timer = setTimeout(
      () => fail(`Azurite did not start within ${START_TIMEOUT_MS} ms`),
      START_TIMEOUT_MS,
    );
    function settle() {
      clearTimeout(timer);
      child.stdout?.off('data', onStdout);
      child.stderr?.off('data', onStderr);
      child.off('exit', onExit);
      child.off('error', onError);
      // Nothing more is read: the pipes must not fill up and block it.
      child.stdout?.resume();
      child.stderr?.resume();
    }
    function fail(message: string) {
      settle();
      child.kill('SIGKILL');
      reject(new Error(`${message}\n${stdout}\n${stderr}`));
    }
    function onError(error: Error) {
      fail(error.message);
    }
    child.stdout?.setEncoding('utf8').on('data', onStdout);
    child.stderr?.setEncoding('utf8').on('data', onStderr);
    child.on('exit', onExit);
    child.on('error', onError);
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  // Nothing to flush: its data is in memory only.
  child.kill('SIGKILL');
  await exited;
}
