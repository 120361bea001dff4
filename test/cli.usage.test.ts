/**
 * Usage errors and exit codes through the built CLI: a mistyped command or option is named
 * with the nearest known one on one line; each kind of failure has one exit code
 * (core/errors.ts, EXIT_CODES) — 2 for what the user gave, including every input file named
 * that cannot be read, 1 for a run that failed — and system errors reach the user in words.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';
import { writeImportRecorder } from './support/import-recorder.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kube-oidc-gateway-usage-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.concurrent('a mistyped command line: one line naming it and the nearest known word, exit 2', () => {
  it.each([
    [['pubish', '--dest', 'x'], 'unknown command "pubish"; did you mean publish?'],
    [['frob'], 'unknown command "frob"; the commands are serve, publish, verify'],
    [['--frobnicate'], 'unknown option --frobnicate; name a command: serve, publish, verify'],
    [['publish', '--dst', 'x'], 'publish: unknown option --dst; did you mean --dest?'],
    [['verify', '--isuer', 'https://x'], 'verify: unknown option --isuer; did you mean --issuer?'],
    [['serve', '--cache-ttl', '5'], 'serve: unknown option --cache-ttl; did you mean --cache-ttl-seconds?'],
    [
      ['publish', '--dest', 'x', '--frobnicate'],
      "publish: unknown option --frobnicate; 'kube-oidc-gateway publish --help' lists the options",
    ],
    [
      ['publish', '--dst', 'x', '--frob'],
      "publish: unknown options --dst (did you mean --dest?), --frob; 'kube-oidc-gateway publish --help' lists the options",
    ],
    [['verify'], "Missing required argument: issuer; see 'kube-oidc-gateway verify --help'"],
  ])('%j', async (args, message) => {
    const run = await runCli(args);
    expect(run.stderr).toBe(`error: ${message}\n`);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
  });
});

describe.concurrent('an input file named that cannot be read is usage: exit 2, in words, everywhere, found before any client library loads', () => {
  const missing = () => join(dir, 'missing');
  it.each([
    [
      'publish --ca',
      () => [
        'publish',
        '--dest',
        join(dir, 'out-ca'),
        '--from-keys',
        missing(),
        '--issuer',
        'https://o.example',
        '--ca',
        missing(),
      ],
      /^error: CONFIG_INVALID: invalid --ca: cannot read \S+: no such file or directory \(ENOENT\)$/,
    ],
    [
      'publish --from-keys',
      () => [
        'publish',
        '--dest',
        join(dir, 'out-keys'),
        '--from-keys',
        missing(),
        '--issuer',
        'https://o.example',
      ],
      /^error: KEY_INVALID: cannot read key file \S+: no such file or directory \(ENOENT\)$/,
    ],
    [
      'publish --kubeconfig',
      () => ['publish', '--dest', join(dir, 'out-kc'), '--kubeconfig', missing()],
      /^error: KUBECONFIG_INVALID: cannot read kubeconfig \S+: no such file or directory \(ENOENT\)$/,
    ],
    [
      'publish --kubeconfig naming a directory',
      () => ['publish', '--dest', join(dir, 'out-dir'), '--kubeconfig', dir],
      /^error: KUBECONFIG_INVALID: cannot read kubeconfig \S+: is a directory, not a file \(EISDIR\)$/,
    ],
    [
      'verify --kubeconfig',
      () => ['verify', '--issuer', 'https://o.example', '--compare-cluster', '--kubeconfig', missing()],
      /^error: KUBECONFIG_INVALID: cannot read kubeconfig \S+: no such file or directory \(ENOENT\)$/,
    ],
    [
      'verify --token',
      () => ['verify', '--issuer', 'https://o.example', '--token', missing()],
      /^error: CONFIG_INVALID: invalid --token: cannot read the token at \S+: no such file or directory \(ENOENT\)$/,
    ],
    [
      'serve --kubeconfig',
      () => ['serve', '--kubeconfig', missing(), '--log-format', 'text'],
      /^error: KUBECONFIG_INVALID: cannot read kubeconfig \S+: no such file or directory \(ENOENT\)$/,
    ],
  ])('%s', async (_, args, line) => {
    const recorder = await writeImportRecorder(await mkdtemp(join(dir, 'imports-')));
    const run = await runCli(args(), { env: { NODE_OPTIONS: recorder.importFlag } });
    expect(run.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(line)]);
    expect(run.code).toBe(2);
    // Not even @kubernetes/client-node (~0.3 s to load) for a kubeconfig it cannot read.
    expect(await readFile(recorder.logPath, 'utf8')).toBe('');
  });
});

describe.concurrent('a run that failed: exit 1, in words', () => {
  it('publish: the token named in SA_TOKEN_PATH is read on every fetch, like the mounted one kubelet rotates', async () => {
    const token = join(dir, 'no-token');
    const run = await runCli(['publish', '--dest', join(dir, 'out-token')], {
      env: { SA_TOKEN_PATH: token },
    });
    expect(run.stderr).toBe(
      `error: SOURCE_CREDENTIALS: cannot read the ServiceAccount token at ${token}: no such file or directory (ENOENT)\n`,
    );
    expect(run.code).toBe(1);
  });

  it('publish: an API server that refuses the connection', async () => {
    const run = await runCli([
      'publish',
      '--dest',
      join(dir, 'out-refused'),
      '--upstream-host',
      'http://127.0.0.1:9',
    ]);
    expect(run.stderr).toBe(
      'error: UPSTREAM_UNREACHABLE: http://127.0.0.1:9/.well-known/openid-configuration: connection refused (ECONNREFUSED)\n',
    );
    expect(run.code).toBe(1);
  });

  it('verify: an API server that refuses the connection, through a kubeconfig (client-node) and directly', async () => {
    const kubeconfig = join(dir, 'refused.kubeconfig');
    await writeFile(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{ name: c, cluster: { server: "https://127.0.0.1:9" } }]',
        'users: [{ name: u, user: { token: t } }]',
        'contexts: [{ name: c, context: { cluster: c, user: u } }]',
        'current-context: c',
      ].join('\n'),
    );
    const run = await runCli([
      'verify',
      ...['--issuer', 'https://127.0.0.1:9/c', '--allow-private', '--kubeconfig', kubeconfig],
      ...['--compare-cluster', '--token-request', 'ns/sa'],
    ]);
    expect(run.code).toBe(1);
    const failed = run.stdout.split('\n').filter((line) => line.startsWith('FAIL '));
    expect(failed).toEqual([
      'FAIL discovery-fetch: https://127.0.0.1:9/c/.well-known/openid-configuration: connection refused (ECONNREFUSED)',
      `FAIL cluster-fetch: kubeconfig context "c" https://127.0.0.1:9 from ${kubeconfig}: https://127.0.0.1:9/.well-known/openid-configuration: connection refused (ECONNREFUSED)`,
      'FAIL token-request: TokenRequest for ns/sa failed: https://127.0.0.1:9/api/v1/namespaces/ns/serviceaccounts/sa/token: connection refused (ECONNREFUSED)',
    ]);
  });

  it('serve: a port already in use', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as net.AddressInfo;
    const token = join(dir, 'token');
    await writeFile(token, 'x');
    try {
      const run = await runCli(['serve', '--listen-addr', '127.0.0.1', '--listen-port', String(port)], {
        env: { SA_TOKEN_PATH: token, LOG_FORMAT: 'text' },
      });
      expect(run.stderr).toBe(
        `error: cannot listen on 127.0.0.1:${port}: the address is already in use (EADDRINUSE)\n`,
      );
      expect(run.code).toBe(1);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
