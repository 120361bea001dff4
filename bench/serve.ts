/**
 * `serve` throughput and latency on cached GETs, against a same-run baseline: a minimal
 * node:http server writing a precomputed buffer of the same size. Both run as child
 * processes; autocannon runs here. Also records the gateway's RSS after start and its peak.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { randomToken, startApiServer } from '../test/support/apiserver.js';
import { fixed, freePort, memoryOf, waitForHttp } from './support.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'dist/cli.js');
const BASELINE = join(ROOT, 'bench/baseline-server.mjs');
const PATH = '/openid/v1/jwks';

export interface LoadResult {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

async function load(url: string, connections: number, seconds: number): Promise<LoadResult> {
  const result = await autocannon({ url, connections, duration: seconds, pipelining: 1 });
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

export interface ServeBenchOptions {
  connections: number;
  seconds: number;
  rounds: number;
  /** V8/Node flags for both servers (the image's ENTRYPOINT flags by default). */
  nodeFlags: string[];
}

export async function benchServe(options: ServeBenchOptions): Promise<boolean> {
  const workdir = await mkdtemp(join(tmpdir(), 'kube-oidc-gateway-bench-'));
  const token = randomToken();
  const apiserver = await startApiServer({ tokens: [token] });
  const tokenPath = join(workdir, 'token');
  await writeFile(tokenPath, token);

  const gatewayPort = await freePort();
  const gateway = spawn(process.execPath, [...options.nodeFlags, CLI, 'serve'], {
    env: {
      PATH: process.env.PATH,
      LISTEN_ADDR: '127.0.0.1',
      LISTEN_PORT: String(gatewayPort),
      UPSTREAM_HOST: apiserver.url,
      SA_TOKEN_PATH: tokenPath,
      SA_CA_CERT_PATH: apiserver.pki.caCertPath,
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
    },
    // Request logs go to /dev/null: still formatted and written, as in a pod, but not read here.
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  await waitForHttp(`${gatewayUrl}/healthz`);
  const startRss = memoryOf(gateway.pid as number);
  const sample = await fetch(`${gatewayUrl}${PATH}`);
  const body = Buffer.from(await sample.arrayBuffer());
  const sentHeaders: Record<string, string> = {};
  for (const [name, value] of sample.headers) {
    if (!['date', 'connection', 'keep-alive', 'content-length'].includes(name)) sentHeaders[name] = value;
  }

  const baselinePort = await freePort();
  const baseline = fork(BASELINE, [], {
    // Same V8 flags as the gateway, so the ratio compares code, not heap settings.
    env: {
      PORT: String(baselinePort),
      BASELINE_BODY: body.toString(),
      BASELINE_HEADERS: JSON.stringify(sentHeaders),
    },
    execArgv: options.nodeFlags,
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  await new Promise((resolve) => baseline.once('message', resolve));
  const baselineUrl = `http://127.0.0.1:${baselinePort}${PATH}`;

  console.log(
    `serve: cached GET ${PATH} (${body.length} bytes), ${options.connections} connections, ${options.seconds} s x ${options.rounds} rounds`,
  );
  console.log(`serve: node flags for both servers: ${options.nodeFlags.join(' ') || '(none)'}`);
  // Warm both (JIT, sockets) before measuring.
  await load(baselineUrl, options.connections, 2);
  await load(`${gatewayUrl}${PATH}`, options.connections, 2);

  const baselineRuns: LoadResult[] = [];
  const gatewayRuns: LoadResult[] = [];
  for (let round = 0; round < options.rounds; round++) {
    // Alternate, so drift on the machine hits both sides alike.
    baselineRuns.push(await load(baselineUrl, options.connections, options.seconds));
    gatewayRuns.push(await load(`${gatewayUrl}${PATH}`, options.connections, options.seconds));
  }
  const peak = memoryOf(gateway.pid as number);
  const baselinePeak = memoryOf(baseline.pid as number);
  await Promise.all([stop(gateway), stop(baseline)]);
  await apiserver.close();
  await rm(workdir, { recursive: true, force: true });

  const median = (runs: LoadResult[], pick: (r: LoadResult) => number) => {
    const sorted = runs.map(pick).sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] as number;
  };
  // Each round pairs a baseline run with the gateway run right after it; the median of the
  // per-round ratios is robust to the machine's speed drifting between rounds.
  const roundRatios = gatewayRuns.map(
    (run, i) => run.requestsPerSecond / (baselineRuns[i] as LoadResult).requestsPerSecond,
  );
  const ratio = [...roundRatios].sort((a, b) => a - b)[Math.floor(roundRatios.length / 2)] as number;
  const p99 = median(gatewayRuns, (r) => r.p99);
  const failures = gatewayRuns.reduce((n, r) => n + r.errors + r.non2xx, 0);

  const row = (name: string, runs: LoadResult[]) =>
    `  ${name.padEnd(9)} ${fixed(
      median(runs, (r) => r.requestsPerSecond),
      0,
    ).padStart(
      8,
    )} req/s   p50 ${fixed(median(runs, (r) => r.p50))} ms   p99 ${fixed(median(runs, (r) => r.p99))} ms   errors ${runs.reduce((n, r) => n + r.errors + r.non2xx, 0)}`;
  console.log(row('baseline', baselineRuns));
  console.log(row('serve', gatewayRuns));
  console.log(
    `  ratio     ${fixed(ratio, 3)} x baseline (goal >= 0.9), median of rounds ${roundRatios.map((r) => fixed(r, 3)).join(' ')}`,
  );
  console.log(`  p99       ${fixed(p99)} ms (goal < 5 ms)`);
  console.log(
    `  RSS       ${fixed(startRss.rssMiB, 1)} MiB after start, ${fixed(peak.peakRssMiB, 1)} MiB peak (goal < 64 MiB); baseline peak ${fixed(baselinePeak.peakRssMiB, 1)} MiB`,
  );

  const ok = ratio >= 0.9 && p99 < 5 && peak.peakRssMiB < 64 && failures === 0;
  console.log(`  serve goals: ${ok ? 'met' : 'NOT met'}`);
  return ok;
}
