/**
 * `serve` under a pipelining flood, as the image runs it (the Dockerfile's Node flags):
 * connections that pipeline batches of 1,000 GETs and never read an answer must neither
 * crash it nor push its memory past the Deployment's limit, and other clients keep
 * getting their answers meanwhile. The full 50-connection figure is in `npm run bench`.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JWKS_PATH } from '../support/apiserver.js';
import type { ServeProcess } from '../support/cli.js';
import { politeClient, startPipelineFlood, timedGet } from '../support/flood.js';
import { deploymentMemoryLimitMiB } from '../support/image.js';
import { type ImageServe, startImageServe } from '../support/image-serve.js';

const FLOOD_CONNECTIONS = 20;
const FLOOD_MS = 2_500;
/** What the code paths a flood runs keep resident (pages of the node binary), with margin. */
const SETTLED_OVER_IDLE_MIB = 10;

let served: ImageServe | undefined;
let gateway: ServeProcess;

beforeAll(async () => {
  served = await startImageServe('flood');
  gateway = served.gateway;
});

afterAll(() => served?.close());

/** Current and peak resident set size, in MiB, from /proc (Linux). */
function rssMiB(pid: number): { now: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
  return { now: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
}

describe('serve under a pipelining flood', () => {
  it('stays up and inside the memory limit, answers others within 1 s, logs the cuts, and gives the memory back', async () => {
    const pid = gateway.child.pid as number;
    const jwksUrl = `${gateway.url}${JWKS_PATH}`;
    expect((await timedGet(jwksUrl)).status).toBe(200);
    const idle = rssMiB(pid).now;

    const flood = startPipelineFlood({ port: gateway.port, path: JWKS_PATH, connections: FLOOD_CONNECTIONS });
    const floodOver = new Promise((resolve) => setTimeout(resolve, FLOOD_MS));
    const answers = await politeClient(jwksUrl, floodOver);
    await flood.stop();

    expect(gateway.child.exitCode, gateway.stderr).toBeNull();
    expect(rssMiB(pid).peak).toBeLessThan(deploymentMemoryLimitMiB());
    expect(answers.length).toBeGreaterThan(5);
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
    expect(Math.max(...answers.map((a) => a.ms))).toBeLessThan(1_000);

    expect(flood.closedByServer).toBeGreaterThanOrEqual(FLOOD_CONNECTIONS);
    const cutLines = gateway.lines.filter((l) => l.reason === 'pipelining');
    expect(cutLines.length).toBeGreaterThan(0);
    // Rate-limited: one line a second at most, however many connections were cut.
    expect(cutLines.length).toBeLessThanOrEqual(FLOOD_MS / 1000 + 2);
    const metrics = await fetch(`${gateway.url}/metrics`).then((r) => r.text());
    const cut = Number(
      /kube_oidc_gateway_connections_cut_total\{reason="pipelining"\} (\d+)/.exec(metrics)?.[1],
    );
    expect(cut).toBeGreaterThanOrEqual(flood.closedByServer);

    // Near idle again within seconds (without the heap relief V8 keeps 20 MiB or more for minutes).
    const deadline = Date.now() + 5_000;
    while (rssMiB(pid).now > idle + SETTLED_OVER_IDLE_MIB && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(rssMiB(pid).now).toBeLessThanOrEqual(idle + SETTLED_OVER_IDLE_MIB);
  });
});
