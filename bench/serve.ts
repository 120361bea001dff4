/**
 * `serve` throughput, CPU and memory on cached GETs, against a same-run baseline: a
 * minimal node:http server writing a precomputed buffer of the same size with the same
 * headers. Both run as child processes with the same Node flags; autocannon runs here.
 * Speed is compared two ways, round by round (each round runs the baseline, then the
 * gateway, so drift on the machine hits both alike): requests per second, and CPU time
 * per request, which hardly moves when other processes compete for the cores.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { startGatewayProcess, stopChild } from './gateway.js';
import { cpuTimeMicros, fixed, freePort, median, memoryOf } from './support.js';

const BASELINE = fileURLToPath(new URL('../../bench/baseline-server.mjs', import.meta.url));
const PATH = '/openid/v1/jwks';

/** The goals for serve in the shipped configuration. */
const GOAL_RATIO = 0.97;
const GOAL_PEAK_MIB = 64;
const GOAL_P99_MS = 5;

export interface LoadResult {
  requestsPerSecond: number;
  cpuMicrosPerRequest: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

async function load(url: string, pid: number, connections: number, seconds: number): Promise<LoadResult> {
  const cpuBefore = cpuTimeMicros(pid);
  const result = await autocannon({ url, connections, duration: seconds, pipelining: 1 });
  const requests = Math.max(1, result.requests.total);
  return {
    requestsPerSecond: result.requests.average,
    cpuMicrosPerRequest: (cpuTimeMicros(pid) - cpuBefore) / requests,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

export interface ServeBenchOptions {
  connections: number;
  seconds: number;
  rounds: number;
  /** Node flags for both servers (the image's ENTRYPOINT flags by default). */
  nodeFlags: string[];
}

export async function benchServe(options: ServeBenchOptions): Promise<boolean> {
  const gateway = await startGatewayProcess(options.nodeFlags);
  const startRss = memoryOf(gateway.pid);
  const sample = await fetch(`${gateway.url}${PATH}`);
  const body = Buffer.from(await sample.arrayBuffer());
  const sentHeaders: Record<string, string> = {};
  for (const [name, value] of sample.headers) {
    if (!['date', 'connection', 'keep-alive', 'content-length'].includes(name)) sentHeaders[name] = value;
  }

  const baselinePort = await freePort();
  const baseline = fork(BASELINE, [], {
    // Same flags as the gateway, so the ratio compares code, not heap settings.
    env: {
      PORT: String(baselinePort),
      BASELINE_BODY: body.toString(),
      BASELINE_HEADERS: JSON.stringify(sentHeaders),
    },
    execArgv: options.nodeFlags,
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  await new Promise((resolve) => baseline.once('message', resolve));
  const baselinePid = baseline.pid as number;
  const baselineStartRss = memoryOf(baselinePid);
  const baselineUrl = `http://127.0.0.1:${baselinePort}${PATH}`;
  const gatewayUrl = `${gateway.url}${PATH}`;

  console.log(
    `serve: cached GET ${PATH} (${body.length} bytes), ${options.connections} connections, ${options.seconds} s x ${options.rounds} rounds`,
  );
  console.log(`serve: node flags for both servers: ${options.nodeFlags.join(' ') || '(none)'}`);
  // Warm both (JIT, sockets) before measuring.
  await load(baselineUrl, baselinePid, options.connections, 2);
  await load(gatewayUrl, gateway.pid, options.connections, 2);

  const baselineRuns: LoadResult[] = [];
  const gatewayRuns: LoadResult[] = [];
  for (let round = 0; round < options.rounds; round++) {
    baselineRuns.push(await load(baselineUrl, baselinePid, options.connections, options.seconds));
    gatewayRuns.push(await load(gatewayUrl, gateway.pid, options.connections, options.seconds));
  }
  const peak = memoryOf(gateway.pid);
  const baselinePeak = memoryOf(baselinePid);
  await Promise.all([gateway.stop(), stopChild(baseline)]);

  const pick = (runs: LoadResult[], field: keyof LoadResult) => median(runs.map((r) => r[field]));
  // Per round: the gateway against the baseline run just before it.
  const rpsRatios = gatewayRuns.map(
    (run, i) => run.requestsPerSecond / (baselineRuns[i] as LoadResult).requestsPerSecond,
  );
  const cpuRatios = gatewayRuns.map(
    (run, i) => (baselineRuns[i] as LoadResult).cpuMicrosPerRequest / run.cpuMicrosPerRequest,
  );
  const rpsRatio = median(rpsRatios);
  const cpuRatio = median(cpuRatios);
  const p99 = pick(gatewayRuns, 'p99');
  const failures = gatewayRuns.reduce((n, r) => n + r.errors + r.non2xx, 0);
  const range = (values: number[]) => `${fixed(Math.min(...values), 2)}-${fixed(Math.max(...values), 2)}`;

  const row = (name: string, runs: LoadResult[]) =>
    `  ${name.padEnd(9)} ${fixed(pick(runs, 'requestsPerSecond'), 0).padStart(8)} req/s   ${fixed(pick(runs, 'cpuMicrosPerRequest'), 1).padStart(5)} µs CPU/request   p50 ${fixed(pick(runs, 'p50'))} ms   p99 ${fixed(pick(runs, 'p99'))} ms   errors ${runs.reduce((n, r) => n + r.errors + r.non2xx, 0)}`;
  console.log(row('baseline', baselineRuns));
  console.log(row('serve', gatewayRuns));
  console.log(
    `  speed     ${fixed(cpuRatio, 3)} x baseline by CPU per request (rounds ${range(cpuRatios)}), ${fixed(rpsRatio, 3)} x by requests/s (rounds ${range(rpsRatios)}); goal >= ${GOAL_RATIO}`,
  );
  console.log(`  p99       ${fixed(p99)} ms (goal < ${GOAL_P99_MS} ms)`);
  console.log(
    `  RSS       serve ${fixed(startRss.rssMiB, 1)} MiB after start, ${fixed(peak.peakRssMiB, 1)} MiB peak (goal < ${GOAL_PEAK_MIB} MiB); baseline ${fixed(baselineStartRss.rssMiB, 1)} MiB after start, ${fixed(baselinePeak.peakRssMiB, 1)} MiB peak`,
  );

  // Judged by CPU per request: requests/s here is bounded by autocannon sharing the cores.
  const speedOk = cpuRatio >= GOAL_RATIO;
  const ok = speedOk && p99 < GOAL_P99_MS && peak.peakRssMiB < GOAL_PEAK_MIB && failures === 0;
  console.log(
    `  serve goals: ${ok ? 'met' : 'NOT met'} (speed ${speedOk ? 'met' : 'not met'}, p99 ${p99 < GOAL_P99_MS ? 'met' : 'not met'}, peak RSS ${peak.peakRssMiB < GOAL_PEAK_MIB ? 'met' : 'not met'}, errors ${failures})`,
  );
  return ok;
}
