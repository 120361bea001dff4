import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readFileSync, readSync } from 'node:fs';
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

  it('writes whole lines as soon as the 16 KiB block is full, holding the rest', () => {
    const { path, fd } = tempFile();
    const writer = new LineWriter(fd, { intervalMs: 0 });
    const line = `${'x'.repeat(1023)}\n`;
    for (let i = 0; i < 10; i++) writer.write(line);
    expect(readFileSync(path, 'utf8')).toBe('');
    for (let i = 10; i < 20; i++) writer.write(line);
    const early = readFileSync(path, 'utf8');
    expect(early.length).toBeGreaterThan(0);
    expect(early.length % 1024).toBe(0);
    writer.flush();
    expect(readFileSync(path, 'utf8')).toBe(line.repeat(20));
    writer.close();
    closeSync(fd);
  });

  it('writes a line larger than the block on its own, in order', () => {
    const { path, fd } = tempFile();
    const writer = new LineWriter(fd, { intervalMs: 0 });
    const big = `${'é'.repeat(20_000)}\n`;
    writer.write('before\n');
    writer.write(big);
    writer.write('after\n');
    writer.flush();
    expect(readFileSync(path, 'utf8')).toBe(`before\n${big}after\n`);
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

describe('LineWriter on a full non-blocking pipe', () => {
  it('keeps what the pipe refused (EAGAIN, partial writes) and writes it first, in order, later', () => {
    const dir = mkdtempSync(join(tmpdir(), 'line-writer-fifo-'));
    const fifo = join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const writerFd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    const writer = new LineWriter(writerFd, { intervalMs: 0 });
    const lines: string[] = [];
    // Far more than a pipe holds (64 KiB on Linux): later writes are partial, then refused.
    for (let i = 0; i < 3000; i++) {
      const line = `${String(i).padStart(6, '0')} ${'x'.repeat(90)}\n`;
      lines.push(line);
      writer.write(line);
    }
    const received: Buffer[] = [];
    const drain = () => {
      const chunk = Buffer.alloc(1 << 16);
      for (;;) {
        let n = 0;
        try {
          n = readSync(reader, chunk);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'EAGAIN') return;
          throw error;
        }
        if (n === 0) return;
        received.push(Buffer.from(chunk.subarray(0, n)));
      }
    };
    for (let round = 0; round < 100 && Buffer.concat(received).length < lines.join('').length; round++) {
      drain();
      writer.flush();
    }
    drain();
    expect(Buffer.concat(received).toString()).toBe(lines.join(''));
    writer.close();
    closeSync(writerFd);
    closeSync(reader);
  });
});
