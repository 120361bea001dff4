/**
 * Runs the built CLI (dist/cli.js) as a child process, the way a user or a pod does.
 * test/global-setup.ts builds it once before any test file runs.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';

export const CLI_PATH = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * A HOME that does not exist: a child never finds the developer's ~/.kube/config (which
 * the CLI would use, as kubectl does) or ~/.aws. A test that needs a home makes its own.
 */
export const NO_HOME = fileURLToPath(new URL('./no-home-for-tests', import.meta.url));

/** Environment for a child: the parent's PATH only, and HOME at NO_HOME, so the developer's KUBECONFIG, ~/.kube/config or AWS_* never leak in. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: NO_HOME };
  for (const [key, value] of Object.entries(extra)) if (value !== undefined) env[key] = value;
  return env;
}

export function runCli(
  args: string[],
  options: { env?: Record<string, string | undefined>; timeoutMs?: number; input?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_PATH, ...args], { env: cleanEnv(options.env) });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `CLI ${args.join(' ')} did not exit within ${options.timeoutMs ?? 20_000} ms\n${stdout}\n${stderr}`,
        ),
      );
    }, options.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

export interface ServeProcess {
  child: ChildProcessWithoutNullStreams;
  port: number;
  url: string;
  /** Every stdout line so far, parsed when it is JSON, else its key=value pairs and `raw`. */
  readonly lines: Array<Record<string, unknown>>;
  readonly stderr: string;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The key=value pairs of a LOG_FORMAT=text line (bare, or quoted as JSON strings). */
function logfmtFields(line: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [, key, value] of line.matchAll(/([a-z_]+)=("(?:[^"\\]|\\.)*"|[^ ]*)/g)) {
    fields[key as string] = value?.startsWith('"') ? (JSON.parse(value) as string) : (value as string);
  }
  return fields;
}

/** Starts `serve` on 127.0.0.1 with a free port and resolves once it logs `listening`. */
export function startServe(
  args: string[],
  env: Record<string, string | undefined>,
  nodeArgs: string[] = [],
): Promise<ServeProcess> {
  const child = spawn(process.execPath, [...nodeArgs, CLI_PATH, 'serve', ...args], {
    env: cleanEnv({ LISTEN_ADDR: '127.0.0.1', LISTEN_PORT: '0', ...env }),
  });
  const lines: Array<Record<string, unknown>> = [];
  let stderr = '';
  let buffered = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal }));
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve did not start\n${stderr}`));
    }, 15_000);
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      let newline = buffered.indexOf('\n');
      while (newline !== -1) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        newline = buffered.indexOf('\n');
        let parsed: Record<string, unknown>;
        try {
          parsed = JSON.parse(line) as Record<string, unknown>;
        } catch {
          parsed = { raw: line, ...logfmtFields(line) };
        }
        lines.push(parsed);
        if (parsed.msg === 'listening') {
          clearTimeout(timer);
          const port = Number(parsed.port);
          resolve({
            child,
            port,
            url: `http://127.0.0.1:${port}`,
            lines,
            get stderr() {
              return stderr;
            },
            exited,
            stop(signal: NodeJS.Signals = 'SIGTERM') {
              if (child.exitCode === null && child.signalCode === null) child.kill(signal);
              return exited;
            },
          });
        }
      }
    });
    exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code} before listening\n${stderr}`));
    });
  });
}

/** A GET without keep-alive: the status and the body as text. */
export function plainGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}
