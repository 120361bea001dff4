/**
 * SIGUSR1 must never open the Node inspector (by default Node answers it by listening on
 * 127.0.0.1:9229, reachable from every container of the pod). The built CLI as a process,
 * launched as `npx`/the bin script launches it (no Node flags) and as the image does (its
 * ENTRYPOINT flags). Each check runs beside a witness: a bare Node process signalled at the
 * same moment, which does open its inspector. That shows the check can see an inspector on
 * this Node, and tells how long to wait before concluding that none opened. Each case has
 * its own processes, ports and witness, so the cases run side by side.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, type OnTestFinishedHandler } from 'vitest';
import { CLI_PATH, cleanEnv, startServe } from '../support/cli.js';
import { imageNodeFlags } from '../support/image.js';
// --inspect-port gets a free port of its own, never the shared 9229.
import { freePort, isListening } from '../support/ports.js';

const DEBUGGER_LISTENING = 'Debugger listening';

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

interface Watched {
  child: ChildProcessWithoutNullStreams;
  stdout: string;
  stderr: string;
}

/** The test's own onTestFinished (the context's: the tests run side by side). */
type AfterTest = (fn: OnTestFinishedHandler) => void;

/** Kills the child when the test finishes, if it still runs. */
function killAfterTest(afterTest: AfterTest, child: ChildProcessWithoutNullStreams): void {
  afterTest(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
}

function watch(afterTest: AfterTest, child: ChildProcessWithoutNullStreams): Watched {
  killAfterTest(afterTest, child);
  const watched = { child, stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    watched.stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    watched.stderr += chunk;
  });
  return watched;
}

/** A bare Node process, ready once it says so (before that, SIGUSR1 would simply kill it). */
async function startWitness(afterTest: AfterTest): Promise<{ witness: Watched; port: number }> {
  const port = await freePort();
  const witness = watch(
    afterTest,
    spawn(
      process.execPath,
      [`--inspect-port=${port}`, '-e', "console.log('ready'); setInterval(() => {}, 1000)"],
      {
        env: cleanEnv(),
      },
    ),
  );
  await until(() => witness.stdout.includes('ready'), 'the witness to start');
  return { witness, port };
}

/**
 * Signals the process under test and the witness together, waits until the witness's
 * inspector is up, then asserts the process under test opened none and is still running.
 */
async function signalAndCheck(
  afterTest: AfterTest,
  child: ChildProcessWithoutNullStreams,
  stderr: () => string,
  inspectPort: number,
) {
  const { witness, port: witnessPort } = await startWitness(afterTest);
  child.kill('SIGUSR1');
  witness.child.kill('SIGUSR1');
  await until(() => witness.stderr.includes(DEBUGGER_LISTENING), 'the witness to open its inspector');
  expect(await isListening(witnessPort)).toBe(true);
  expect(await isListening(inspectPort)).toBe(false);
  expect(stderr()).not.toContain(DEBUGGER_LISTENING);
  expect(child.exitCode).toBeNull();
  expect(child.signalCode).toBeNull();
}

function get(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      })
      .on('error', reject);
  });
}

describe.concurrent('SIGUSR1', () => {
  it('the image starts Node with --disable-sigusr1 (the bench and the flood test read the same line)', () => {
    expect(imageNodeFlags()).toContain('--disable-sigusr1');
  });

  it.for<[string, () => Promise<string[]>]>([
    ['no Node flags (npx, the bin script)', async () => [] as string[]],
    ["the image's ENTRYPOINT flags", async () => imageNodeFlags()],
  ])('serve with %s: opens no inspector and keeps serving', async ([, nodeFlags], { onTestFinished }) => {
    const inspectPort = await freePort();
    const gateway = await startServe([], {}, [...(await nodeFlags()), `--inspect-port=${inspectPort}`]);
    killAfterTest(onTestFinished, gateway.child);
    await signalAndCheck(onTestFinished, gateway.child, () => gateway.stderr, inspectPort);
    expect(await get(`${gateway.url}/healthz`)).toBe(200);
    expect(await isListening(inspectPort)).toBe(false);
    const { code } = await gateway.stop('SIGTERM');
    expect(code).toBe(0);
  });

  it.for<[string, (upstream: string, dir: string) => string[]]>([
    ['publish', (upstream: string, dir: string) => ['publish', '--upstream-host', upstream, '--dest', dir]],
    [
      'verify',
      (upstream: string) => ['verify', '--allow-private', '--issuer', upstream.replace('http:', 'https:')],
    ],
  ])(
    '%s: opens no inspector mid-run, and the run ends as it would have',
    async ([, args], { onTestFinished }) => {
      // An upstream that holds every connection until the test lets go: the run is mid-flight.
      const held = new Set<net.Socket>();
      const upstream = net.createServer((socket) => held.add(socket));
      await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
      const dir = await mkdtemp(join(tmpdir(), 'kog-sigusr1-'));
      onTestFinished(async () => {
        for (const socket of held) socket.destroy();
        await new Promise((resolve) => upstream.close(resolve));
        await rm(dir, { recursive: true, force: true });
      });
      const inspectPort = await freePort();
      const { port } = upstream.address() as net.AddressInfo;
      const run = watch(
        onTestFinished,
        spawn(
          process.execPath,
          [`--inspect-port=${inspectPort}`, CLI_PATH, ...args(`http://127.0.0.1:${port}`, dir)],
          {
            env: cleanEnv(),
          },
        ),
      );
      const exited = new Promise<number | null>((resolve) => run.child.on('close', (code) => resolve(code)));
      await until(() => held.size > 0, 'the run to reach its upstream');
      await signalAndCheck(onTestFinished, run.child, () => run.stderr, inspectPort);
      for (const socket of held) socket.destroy();
      // An upstream that hung up is a failed run (exit 1), reported, not a death by signal.
      expect(await exited).toBe(1);
      expect(run.child.signalCode).toBeNull();
      expect(run.stderr).not.toContain(DEBUGGER_LISTENING);
    },
  );
});
