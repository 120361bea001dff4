/**
 * Hostile --from-keys files (issue 7, item 10): a file is read with a 1 MiB cap and parsed
 * in one pass, so neither a huge file nor a file of pathological PEM lines costs more
 * than a moment. The bounds below are generous (the machine is shared); the quadratic
 * parser took about 16 s on 1 MiB of BEGIN lines, and reading /dev/zero whole about
 * 512 MB of memory before it failed.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_KEY_FILE_BYTES, publicKeysFromPem, readPublicKeyFiles } from '../../src/core/keys.js';
import { runCli } from '../support/cli.js';

/** Far above the linear parser (tens of ms), far below the quadratic one on 1 MiB (about 16 s). */
const PARSE_BOUND_MS = 3000;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kog-key-files-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** `line` repeated to just under 1 MiB: the largest file the cap lets through. */
const fill = (line: string) => line.repeat(Math.floor(MAX_KEY_FILE_BYTES / line.length));

describe('a key file of pathological PEM lines parses in linear time', () => {
  it.each([
    ['BEGIN lines', '-----BEGIN PUBLIC KEY-----\n'],
    ['BEGIN lines whose type has a colon (read as RFC 1421 headers)', '-----BEGIN a:b-----\n'],
    ['BEGIN lines without their trailer', '-----BEGIN PUBLIC KEY\n'],
  ])('%s: refused as holding no key, within the bound', (_shape, line) => {
    const text = fill(line);
    const started = performance.now();
    expect(() => publicKeysFromPem(text, 'keys.pem')).toThrow('keys.pem: no RSA or ECDSA key in PEM form');
    expect(performance.now() - started).toBeLessThan(PARSE_BOUND_MS);
  });

  it('BEGIN lines closed by one END line at the very end: refused within the bound', () => {
    const text = `${fill('-----BEGIN X-----\n').slice(0, -64)}-----END X-----\n`;
    const started = performance.now();
    expect(() => publicKeysFromPem(text, 'keys.pem')).toThrow('no RSA or ECDSA key');
    expect(performance.now() - started).toBeLessThan(PARSE_BOUND_MS);
  });

  it.each([
    ['empty blocks', '-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n'],
    // "MAA=" is an empty DER SEQUENCE: framed like a key, so each block costs real parse attempts.
    ['blocks of an empty DER sequence', '-----BEGIN PUBLIC KEY-----\nMAA=\n-----END PUBLIC KEY-----\n'],
  ])('thousands of %s: refused by count before any is parsed, within the bound', (_shape, line) => {
    const text = fill(line);
    const started = performance.now();
    expect(() => publicKeysFromPem(text, 'keys.pem')).toThrow(/^keys\.pem: \d+ PEM blocks, more than 256; /);
    expect(performance.now() - started).toBeLessThan(PARSE_BOUND_MS);
  });

  it('a real key after 1 MiB less a little of BEGIN lines is still found', async () => {
    const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .publicKey.export({ type: 'spki', format: 'pem' })
      .toString();
    const line = '-----BEGIN X-----\n';
    const text = line.repeat(Math.floor((MAX_KEY_FILE_BYTES - pem.length) / line.length)) + pem;
    const path = join(dir, 'noisy.pem');
    await writeFile(path, text);
    const started = performance.now();
    expect(await readPublicKeyFiles([path])).toHaveLength(1);
    expect(performance.now() - started).toBeLessThan(PARSE_BOUND_MS);
  });
});

describe('the 1 MiB cap on a key file', () => {
  it('refuses a file one byte over the cap, naming the file and the cap', async () => {
    const path = join(dir, 'big.pem');
    await writeFile(path, Buffer.alloc(MAX_KEY_FILE_BYTES + 1, 0x41));
    await expect(readPublicKeyFiles([path])).rejects.toMatchObject({
      code: 'KEY_INVALID',
      message: `key file ${path} is larger than 1 MiB, the limit for a key file; name the PEM key files themselves`,
    });
  });

  it('publish --from-keys /dev/zero fails fast with one line naming the cap, exit 2 (usage), nothing written', async () => {
    const dest = join(dir, 'dest');
    const started = performance.now();
    const result = await runCli(
      ['publish', '--from-keys', '/dev/zero', '--issuer', 'https://oidc.example.com', '--dest', dest],
      { timeoutMs: 20_000 },
    );
    const elapsed = performance.now() - started;
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'error: KEY_INVALID: key file /dev/zero is larger than 1 MiB, the limit for a key file; ' +
        'name the PEM key files themselves\n',
    );
    // Node's start-up is most of it; reading 512 MB of zeros first took seconds and the memory with it.
    expect(elapsed).toBeLessThan(5000);
    await expect(rm(dest)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('a file exactly at the cap is read (and refused only for holding no key)', async () => {
    const path = join(dir, 'at-cap.pem');
    await writeFile(path, Buffer.alloc(MAX_KEY_FILE_BYTES, 0x0a));
    await expect(readPublicKeyFiles([path])).rejects.toMatchObject({
      code: 'KEY_INVALID',
      message: `${path}: no RSA or ECDSA key in PEM form`,
    });
  });
});
