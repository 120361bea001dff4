import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { GatewayError, reasonOf } from './errors.js';

describe('reasonOf', () => {
  it('puts a system error into words and keeps its code', async () => {
    const error = await readFile('/no/such/file').catch((e: unknown) => e);
    expect(reasonOf(error)).toBe('no such file or directory (ENOENT)');
    const directory = await readFile('/').catch((e: unknown) => e);
    expect(reasonOf(directory)).toBe('is a directory, not a file (EISDIR)');
  });

  it('keeps an unknown code as it is, and a plain error as its first line', () => {
    expect(reasonOf(Object.assign(new Error('x'), { code: 'EWHATEVER' }))).toBe('EWHATEVER');
    expect(reasonOf(new Error('first line\nsecond'))).toBe('first line');
    expect(reasonOf(new GatewayError('STORE_TIMEOUT', 'slow'))).toBe('STORE_TIMEOUT: slow');
  });
});
