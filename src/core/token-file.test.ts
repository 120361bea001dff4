import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTokenFile } from './token-file.js';

describe('readTokenFile', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kog-token-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads the token without its trailing newline', async () => {
    await writeFile(join(dir, 'token'), 'header.payload.signature\n');
    expect(await readTokenFile(join(dir, 'token'))).toBe('header.payload.signature');
  });

  it('refuses a missing, an empty and an endless file, naming the path and never the content', async () => {
    await expect(readTokenFile(join(dir, 'missing'))).rejects.toMatchObject({
      code: 'SOURCE_CREDENTIALS',
      message: `cannot read the ServiceAccount token at ${join(dir, 'missing')}: no such file or directory (ENOENT)`,
    });
    await writeFile(join(dir, 'empty'), ' \n');
    await expect(readTokenFile(join(dir, 'empty'), 'the token')).rejects.toThrow(
      /the token at .*empty is empty/,
    );
    await expect(readTokenFile('/dev/zero')).rejects.toThrow(/is larger than 64 KiB: not a token/);
  });
});
