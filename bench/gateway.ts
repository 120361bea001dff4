/**
 * `serve` as the benchmarks run it: the built CLI as a child process with the given Node
 * flags, against the HTTPS API-server stand-in, request logs written to /dev/null (still
 * formatted and written, as in a pod, but not read here).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomToken, startApiServer } from '../test/support/apiserver.js';
import { imageEnv } from '../test/support/image.js';
import { freePort, waitForHttp } from './support.js';

const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

export interface GatewayProcess {
  child: ChildProcess;
  pid: number;
  url: string;
  port: number;
  stop(): Promise<void>;
}

export function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

export async function startGatewayProcess(nodeFlags: string[]): Promise<GatewayProcess> {
  const workdir = await mkdtemp(join(tmpdir(), 'kube-oidc-gateway-bench-'));
  const token = randomToken();
  const apiserver = await startApiServer({ tokens: [token] });
  const tokenPath = join(workdir, 'token');
  await writeFile(tokenPath, token);
  const port = await freePort();
  const child = spawn(process.execPath, [...nodeFlags, CLI, 'serve'], {
    env: {
      ...imageEnv(),
      PATH: process.env.PATH,
      LISTEN_ADDR: '127.0.0.1',
      LISTEN_PORT: String(port),
      UPSTREAM_HOST: apiserver.url,
      SA_TOKEN_PATH: tokenPath,
      SA_CA_CERT_PATH: apiserver.pki.caCertPath,
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/healthz`);
  return {
    child,
    pid: child.pid as number,
    url,
    port,
    async stop() {
      await stopChild(child);
      await apiserver.close();
      await rm(workdir, { recursive: true, force: true });
    },
  };
}
