/**
 * `serve` under a pipelining flood, with the shipped Node flags: connections that each
 * pipeline batches of 1,000 GETs and never read an answer (a connection the gateway cuts
 * is replaced at once), while a polite client GETs the JWKS every 100 ms on a new
 * connection. Printed: whether the gateway survived, its peak RSS against the
 * Deployment's memory limit, the polite client's latencies, and the RSS it comes back to.
 */
import { politeClient, startPipelineFlood } from '../test/support/flood.js';
import { deploymentMemoryLimitMiB } from '../test/support/image.js';
import { startGatewayProcess } from './gateway.js';
import { fixed, median, memoryOf } from './support.js';

const PATH = '/openid/v1/jwks';
const GOAL_POLITE_MS = 1_000;
/** "Near idle": what the code paths a flood exercises keep resident, with some margin. */
const GOAL_SETTLED_OVER_IDLE_MIB = 10;
const SETTLE_MS = 10_000;

export interface FloodBenchOptions {
  connections: number;
  seconds: number;
  nodeFlags: string[];
}

export async function benchFlood(options: FloodBenchOptions): Promise<boolean> {
  const limitMiB = deploymentMemoryLimitMiB();
  const gateway = await startGatewayProcess(options.nodeFlags);
  const jwksUrl = `${gateway.url}${PATH}`;
  await fetch(jwksUrl).then((r) => r.arrayBuffer());
  const idle = memoryOf(gateway.pid).rssMiB;

  const flood = startPipelineFlood({ port: gateway.port, path: PATH, connections: options.connections });
  let peakSeen = idle;
  const sampler = setInterval(() => {
    if (gateway.child.exitCode === null) peakSeen = Math.max(peakSeen, memoryOf(gateway.pid).rssMiB);
  }, 100);
  const floodOver = new Promise((resolve) => setTimeout(resolve, options.seconds * 1000));
  const answers = await politeClient(jwksUrl, floodOver);
  await flood.stop();
  clearInterval(sampler);

  const alive = gateway.child.exitCode === null && gateway.child.signalCode === null;
  const peak = alive ? memoryOf(gateway.pid).peakRssMiB : peakSeen;
  let settled = Number.NaN;
  let settledAfterMs = 0;
  if (alive) {
    const deadline = Date.now() + SETTLE_MS;
    const started = Date.now();
    do {
      await new Promise((resolve) => setTimeout(resolve, 250));
      settled = memoryOf(gateway.pid).rssMiB;
      settledAfterMs = Date.now() - started;
    } while (settled > idle + GOAL_SETTLED_OVER_IDLE_MIB && Date.now() < deadline);
  }
  await gateway.stop();

  const latencies = answers.map((a) => a.ms);
  const failed = answers.filter((a) => a.status !== 200).length;
  const worst = Math.max(...latencies);
  console.log(
    `flood: ${options.connections} connections pipelining batches of 1,000 GETs, never reading, for ${options.seconds} s; node flags: ${options.nodeFlags.join(' ') || '(none)'}`,
  );
  console.log(
    `  gateway   ${alive ? 'alive' : `DIED (exit ${gateway.child.exitCode ?? gateway.child.signalCode})`}; ${flood.opened} flooding connections opened, ${flood.closedByServer} cut by the gateway`,
  );
  console.log(
    `  RSS       ${fixed(idle, 1)} MiB idle, ${fixed(peak, 1)} MiB peak (limit ${limitMiB} MiB), ${alive ? `${fixed(settled, 1)} MiB ${fixed(settledAfterMs / 1000, 1)} s after the flood` : 'n/a'}`,
  );
  console.log(
    `  polite    ${answers.length} GETs, ${failed} not 200, p50 ${fixed(median(latencies), 1)} ms, max ${fixed(worst, 1)} ms (goal < ${GOAL_POLITE_MS} ms)`,
  );
  const ok =
    alive &&
    peak < limitMiB &&
    failed === 0 &&
    worst < GOAL_POLITE_MS &&
    settled <= idle + GOAL_SETTLED_OVER_IDLE_MIB;
  console.log(
    `  flood goals (alive, peak < limit, polite GETs all 200 within ${GOAL_POLITE_MS} ms, RSS back within ${GOAL_SETTLED_OVER_IDLE_MIB} MiB of idle): ${ok ? 'met' : 'NOT met'}`,
  );
  return ok;
}
