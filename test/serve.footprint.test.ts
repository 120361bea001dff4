/**
 * What `serve` costs in memory as the image runs it (`serve`, settings from the
 * environment, the Dockerfile's Node flags): it loads neither the command-line parser,
 * nor a logging library, nor prom-client's index (cluster, Pushgateway, OpenTelemetry),
 * nor Node's bundled undici, and at idle it stays within a few MiB of a bare node:http
 * server with the same flags.
 */
import { type ChildProcess, fork, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiServerStandIn, JWKS_PATH, randomToken, startApiServer } from './support/apiserver.js';
import { CLI_PATH, type ServeProcess, startServe } from './support/cli.js';
import { imageEnv, imageNodeFlags } from './support/image.js';
import { writeModuleRecorder } from './support/module-recorder.js';

const BARE_SERVER = fileURLToPath(new URL('../bench/baseline-server.mjs', import.meta.url));
/** Measured: 60 MiB against 50; it was 76 before serve shed yargs, pino, undici and prom-client's index. */
const MAX_OVER_BARE_MIB = 16;

let workdir: string;
let apiserver: ApiServerStandIn;
let env: Record<string, string>;
const running: ServeProcess[] = [];

beforeAll(async () => {
  workdir = await mkdtemp(join(tmpdir(), 'kube-oidc-gateway-footprint-'));
  const token = randomToken();
  apiserver = await startApiServer({ tokens: [token] });
  await writeFile(join(workdir, 'token'), token);
  env = {
    ...imageEnv(),
    UPSTREAM_HOST: apiserver.url,
    SA_TOKEN_PATH: join(workdir, 'token'),
    SA_CA_CERT_PATH: apiserver.pki.caCertPath,
  };
});

afterAll(async () => {
  await Promise.all(running.map((p) => p.stop('SIGKILL')));
  await apiserver?.close();
  await rm(workdir, { recursive: true, force: true });
});

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]) / 1024;
}

describe('serve footprint', () => {
  it('loads no command-line parser, logging library, prom-client index or undici', async () => {
    const recorder = await writeModuleRecorder(workdir);
    const gateway = await startServe([], env, [...imageNodeFlags(), recorder.importFlag]);
    expect((await fetch(`${gateway.url}${JWKS_PATH}`)).status).toBe(200);
    expect((await fetch(`${gateway.url}/metrics`)).status).toBe(200);
    await gateway.stop('SIGTERM');
    const { urls, builtins } = await recorder.read();
    // The recorder sees CommonJS requires: prom-client's own files are there.
    expect(urls.some((url) => url.endsWith('/node_modules/prom-client/lib/counter.js'))).toBe(true);
    const heavy = urls.filter((url) =>
      /\/node_modules\/(yargs|yargs-parser|pino|@opentelemetry\/api)\/|\/node_modules\/prom-client\/index\.js$/.test(
        url,
      ),
    );
    expect(heavy).toEqual([]);
    expect(builtins.filter((name) => name.includes('undici'))).toEqual([]);
  });

  it('positive control: anything but plain serve flags goes through yargs', async () => {
    const recorder = await writeModuleRecorder(workdir);
    const help = spawnSync(process.execPath, [recorder.importFlag, CLI_PATH, 'serve', '--help'], {
      encoding: 'utf8',
    });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--listen-port');
    const { urls } = await recorder.read();
    expect(urls.some((url) => url.includes('/node_modules/yargs/'))).toBe(true);
  });

  it('stays within a few MiB of a bare node:http server at idle, with the image flags', async () => {
    const gateway = await startServe([], env, imageNodeFlags());
    running.push(gateway);
    expect((await fetch(`${gateway.url}${JWKS_PATH}`)).status).toBe(200);
    const bare: ChildProcess = fork(BARE_SERVER, [], {
      env: { PORT: '0' },
      execArgv: imageNodeFlags(),
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    try {
      await new Promise((resolve) => bare.once('message', resolve));
      await new Promise((resolve) => setTimeout(resolve, 300));
      const over = rssMiB(gateway.child.pid as number) - rssMiB(bare.pid as number);
      expect(over).toBeLessThan(MAX_OVER_BARE_MIB);
    } finally {
      bare.kill();
    }
  });
});
