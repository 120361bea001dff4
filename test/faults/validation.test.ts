/**
 * Validation of an issuer given on the command line (publish --from-keys --issuer, verify
 * --issuer): it must be written as URL parsers write it back, or the run stops before
 * anything is fetched or written, naming the canonical form. One case per command through
 * the built CLI (the exit code and the one line), side by side; the other forms as whole
 * publish runs in this process.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolvePublishConfig } from '../../src/publish/config.js';
import { runCli } from '../support/cli.js';

const KEY_FILE = fileURLToPath(new URL('../../examples/service-account.pub', import.meta.url));

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kube-oidc-gateway-validation-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.concurrent('a non-canonical --issuer is a usage error naming the canonical form, the built CLI', () => {
  it('publish --from-keys --issuer https://h/a/../c1', async ({ expect }) => {
    const dest = join(dir, 'out');
    const run = await runCli([
      'publish',
      '--from-keys',
      KEY_FILE,
      '--issuer',
      'https://h/a/../c1',
      '--dest',
      dest,
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'error: CONFIG_INVALID: invalid --issuer: issuer "https://h/a/../c1" is not canonical; did you mean "https://h/c1"?\n',
    );
    await expect(readdir(dest)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('verify --issuer', async ({ expect }) => {
    const run = await runCli(['verify', '--issuer', 'https://h/a/../c1']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(
      'invalid --issuer: "https://h/a/../c1" is not canonical; did you mean "https://h/c1"?',
    );
  });

  it('a bare origin without its slash is accepted by both', async ({ expect }) => {
    const dest = join(dir, 'bare');
    const [published, verified] = await Promise.all([
      runCli(['publish', '--from-keys', KEY_FILE, '--issuer', 'https://oidc.example.com', '--dest', dest]),
      // Loopback without --allow-private: the checks run (and fail) without any request.
      runCli(['verify', '--issuer', 'https://127.0.0.1:9']),
    ]);
    expect(published.stderr).toBe('');
    expect(published.code).toBe(0);
    expect(verified.stderr).toBe('');
    expect(verified.stdout).toMatch(/^ok issuer-https: /);
    expect(verified.code).toBe(1);
  });
});

describe('a non-canonical publish --issuer, refused in this process as the flag is read', () => {
  it.each([
    ['https:///c1', 'https://c1/'],
    ['https://h/c 1', 'https://h/c%201'],
    ['https://bücher.example/c1', 'https://xn--bcher-kva.example/c1'],
  ])('%s: CONFIG_INVALID naming %s, before any run', (issuer, canonical) => {
    const argv = { 'from-keys': [KEY_FILE], issuer, dest: [join(dir, 'in-process')] };
    expect(() => resolvePublishConfig(argv, {})).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        message: `invalid --issuer: issuer "${issuer}" is not canonical; did you mean "${canonical}"?`,
      }),
    );
  });
});
