import { afterEach, describe, expect, it, vi } from 'vitest';
import { exposedCollector, HeapRelief } from './heap-relief.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('HeapRelief', () => {
  it('collects once within the interval after a cut, again while cuts go on, then stops', () => {
    vi.useFakeTimers();
    let collections = 0;
    const relief = new HeapRelief(() => collections++, undefined, 1_000);
    relief.noteCut();
    relief.noteCut();
    expect(collections).toBe(0);
    vi.advanceTimersByTime(1_000);
    expect(collections).toBe(1);
    // Cuts go on: one more collection per interval, not one per cut.
    for (let i = 0; i < 50; i++) relief.noteCut();
    vi.advanceTimersByTime(1_000);
    expect(collections).toBe(2);
    // Quiet: nothing more, and no timer left behind.
    vi.advanceTimersByTime(10_000);
    expect(collections).toBe(2);
    expect(vi.getTimerCount()).toBe(0);
    relief.stop();
  });

  it('does nothing without a collector (Node run without --expose-gc)', () => {
    vi.useFakeTimers();
    const relief = new HeapRelief(undefined);
    relief.noteCut();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('finds V8’s collector only when gc is exposed', () => {
    const saved = globalThis.gc;
    try {
      globalThis.gc = undefined;
      expect(exposedCollector()).toBeUndefined();
      const calls: unknown[] = [];
      globalThis.gc = ((options: unknown) => {
        calls.push(options);
      }) as NodeJS.GCFunction;
      exposedCollector()?.();
      expect(calls).toEqual([{ type: 'major', execution: 'sync', flavor: 'last-resort' }]);
    } finally {
      globalThis.gc = saved;
    }
  });
});
