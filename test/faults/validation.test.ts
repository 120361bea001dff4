/**
 * Validation through the built CLI: an issuer given on the command line (publish
 * --from-keys --issuer, verify --issuer) must be written as URL parsers write it back, or
 * the run stops before anything is fetched or written, naming the canonical form.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

const KEY_FILE = fileURLToPath(new URL('../../examples/service-account.pub', import.meta.url));

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kube-oidc-gateway-validation-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('a non-canonical --issuer is a usage error naming the canonical form', () => {
  it.each([
    ['https://h/a/../c1', 'https://h/c1'],
    ['https:///c1', 'https://c1/'],
    ['https://h/c 1', 'https://h/c%201'],
    ['https://bücher.example/c1', 'https://xn--bcher-kva.example/c1'],
  ])('publish --from-keys --issuer %s', async (issuer, canonical) => {
    const dest = join(dir, 'out');
    const run = await runCli(['publish', '--from-keys', KEY_FILE, '--issuer', issuer, '--dest', dest]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `error: CONFIG_INVALID: invalid --issuer: issuer "${issuer}" is not canonical; did you mean "${canonical}"?\n`,
    );
    await expect(readdir(dest)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('verify --issuer', async () => {
    const run = await runCli(['verify', '--issuer', 'https://h/a/../c1']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(
      'invalid --issuer: "https://h/a/../c1" is not canonical; did you mean "https://h/c1"?',
    );
  });

  it('a bare origin without its slash is accepted by both', async () => {
    const dest = join(dir, 'bare');
    const published = await runCli([
      'publish',
      '--from-keys',
      KEY_FILE,
      '--issuer',
      'https://oidc.example.com',
      '--dest',
      dest,
    ]);
    expect(published.stderr).toBe('');
    expect(published.code).toBe(0);
    // Loopback without --allow-private: the checks run (and fail) without any request.
    const verified = await runCli(['verify', '--issuer', 'https://127.0.0.1:9']);
    expect(verified.stderr).toBe('');
    expect(verified.stdout).toMatch(/^ok issuer-https: /);
    expect(verified.code).toBe(1);
  });
});
