import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readFileSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LineWriter } from './line-writer.js';

const tempDirs: string[] = [];

afterEach(() => {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

function tempFile() {
  const path = join(tempDir('line-writer-'), 'out.log');
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
    const fifo = join(tempDir('line-writer-fifo-'), 'pipe');
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

function fifoPair() {
  const dir = tempDir('line-writer-fifo-');
  const path = join(dir, 'pipe');
  execFileSync('mkfifo', [path]);
  const reader = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  const writer = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
  return { dir, path, reader, writer };
}

/** Everything the pipe holds right now. */
function drainFifo(fd: number): string {
  const chunks: Buffer[] = [];
  const chunk = Buffer.alloc(1 << 16);
  for (;;) {
    let n = 0;
    try {
      n = readSync(fd, chunk);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') break;
      throw error;
    }
    if (n === 0) break;
    chunks.push(Buffer.from(chunk.subarray(0, n)));
  }
  return Buffer.concat(chunks).toString();
}

describe('LineWriter when stdout fails', () => {
  it('never throws when the reader has gone (EPIPE): drops and counts the lines, and writes again to a new reader', () => {
    const fifo = fifoPair();
    closeSync(fifo.reader);
    const writer = new LineWriter(fifo.writer, { intervalMs: 0 });
    for (let i = 0; i < 10; i++) writer.write(`line ${i}\n`);
    expect(() => writer.flush()).not.toThrow();
    expect(writer.droppedLines).toBe(10);
    // A line larger than the block takes the direct path.
    expect(() => writer.write(`${'x'.repeat(20_000)}\n`)).not.toThrow();
    expect(writer.droppedLines).toBe(11);

    const reader = openSync(fifo.path, constants.O_RDONLY | constants.O_NONBLOCK);
    writer.write('back\n');
    writer.flush();
    expect(drainFifo(reader)).toBe('back\n');
    expect(writer.droppedLines).toBe(11);
    closeSync(reader);
    writer.write('gone again\n');
    expect(() => writer.close()).not.toThrow();
    expect(writer.droppedLines).toBe(12);
    closeSync(fifo.writer);
  });

  it('counts the lines it drops once 1 MiB is queued, and loses no line silently', () => {
    const fifo = fifoPair();
    const writer = new LineWriter(fifo.writer, { intervalMs: 0 });
    const total = 15_000;
    // 100 bytes a line, 1.5 MB in all: far past the pipe (64 KiB) and the 1 MiB queue.
    for (let i = 0; i < total; i++) writer.write(`${String(i).padStart(6, '0')} ${'x'.repeat(92)}\n`);
    writer.flush();
    expect(writer.droppedLines).toBeGreaterThan(0);
    let received = '';
    for (let round = 0; round < 100; round++) {
      received += drainFifo(fifo.reader);
      writer.flush();
    }
    received += drainFifo(fifo.reader);
    const lines = received.split('\n').slice(0, -1);
    expect(lines.every((line) => line.length === 99)).toBe(true);
    expect(lines.length + writer.droppedLines).toBe(total);
    writer.close();
    closeSync(fifo.writer);
    closeSync(fifo.reader);
  });
});
