import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { LineWriter } from './line-writer.js';

function tempFile() {
  const path = join(mkdtempSync(join(tmpdir(), 'line-writer-')), 'out.log');
  return { path, fd: openSync(path, 'w') };
}

describe('LineWriter', () => {
  it('holds small writes until flush, then writes them in order', () => {
    const { path, fd } = tempFile();
    const writer = new LineWriter(fd, { intervalMs: 0 });
    writer.write('a\n');
    writer.write('b\n');
    expect(readFileSync(path, 'utf8')).toBe('');
    writer.flush();
    expect(readFileSync(path, 'utf8')).toBe('a\nb\n');
    writer.close();
    closeSync(fd);
  });

  it('writes a block as soon as 16 KiB are pending', () => {
    const { path, fd } = tempFile();
    const writer = new LineWriter(fd, { intervalMs: 0 });
    const line = `${'x'.repeat(1023)}\n`;
    for (let i = 0; i < 15; i++) writer.write(line);
    expect(readFileSync(path, 'utf8')).toBe('');
    writer.write(line);
    expect(readFileSync(path, 'utf8')).toHaveLength(16 * 1024);
    writer.close();
    closeSync(fd);
  });

  it('flushes on its interval', () => {
    vi.useFakeTimers();
    const { path, fd } = tempFile();
    const writer = new LineWriter(fd, { intervalMs: 250 });
    writer.write('tick\n');
    vi.advanceTimersByTime(260);
    expect(readFileSync(path, 'utf8')).toBe('tick\n');
    writer.close();
    closeSync(fd);
    vi.useRealTimers();
  });
});
