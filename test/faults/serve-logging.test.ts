/**
 * serve when its log reader goes away: the built CLI as a process (only a process has a
 * stdout to lose). Logging must never take serving down: the lines are dropped and
 * counted in /metrics, requests keep being answered, and SIGTERM still exits 0. One
 * process per log format, side by side.
 */
import { describe, it } from 'vitest';
import { plainGet, type ServeProcess, startServe } from '../support/cli.js';

function droppedLines(metrics: string): number {
  const match = /^kube_oidc_gateway_log_lines_dropped_total (\d+)$/m.exec(metrics);
  if (!match) throw new Error('no kube_oidc_gateway_log_lines_dropped_total in /metrics');
  return Number(match[1]);
}

describe.concurrent('serve with a closed stdout', () => {
  it.for(['json', 'text'])(
    'keeps serving (LOG_FORMAT=%s): the lines are dropped and counted, and SIGTERM exits 0',
    async (format, { expect, onTestFinished }) => {
      const gateway: ServeProcess = await startServe(['--log-format', format], {});
      onTestFinished(async () => {
        await gateway.stop('SIGKILL');
      });
      expect(droppedLines((await plainGet(`${gateway.url}/metrics`)).body)).toBe(0);

      // The log reader goes away: every write to stdout now fails with EPIPE.
      gateway.child.stdout.destroy();

      // Each request logs a line; the writer flushes every 250 ms, into the closed pipe.
      const deadline = Date.now() + 10_000;
      let dropped = 0;
      while (dropped === 0) {
        if (Date.now() > deadline) throw new Error(`no dropped lines counted\n${gateway.stderr}`);
        expect((await plainGet(`${gateway.url}/healthz`)).status).toBe(200);
        const metrics = await plainGet(`${gateway.url}/metrics`);
        expect(metrics.status).toBe(200);
        dropped = droppedLines(metrics.body);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      for (let i = 0; i < 20; i++) expect((await plainGet(`${gateway.url}/healthz`)).status).toBe(200);
      expect(gateway.child.exitCode).toBeNull();
      // The final flush on exit hits the closed pipe too, and must not turn exit 0 into a crash.
      const { code, signal } = await gateway.stop('SIGTERM');
      expect({ code, signal }).toEqual({ code: 0, signal: null });
      expect(gateway.stderr).toBe('');
    },
  );
});
