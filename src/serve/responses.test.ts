import { describe, expect, it, vi } from 'vitest';
import { ExpiresClock, ifNoneMatchMatches } from './responses.js';

describe('ifNoneMatchMatches', () => {
  const etag = '"abc"';
  it.each([
    ['"abc"', true],
    ['"x", "abc"', true],
    ['W/"abc"', true],
    ['*', true],
    ['"abcd"', false],
    ['abc', false],
    ['', false],
  ])('%s → %s', (header, expected) => {
    expect(ifNoneMatchMatches(header, etag)).toBe(expected);
  });
  it('is false without the header', () => {
    expect(ifNoneMatchMatches(undefined, etag)).toBe(false);
  });
});

describe('ExpiresClock', () => {
  it('formats now + ttl as an HTTP date and reuses it within the second', () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 0, 1, 0, 0, 0, 100) });
    const clock = new ExpiresClock(3600);
    expect(clock.now()).toBe('Thu, 01 Jan 2026 01:00:00 GMT');
    vi.setSystemTime(Date.UTC(2026, 0, 1, 0, 0, 1, 0));
    expect(clock.now()).toBe('Thu, 01 Jan 2026 01:00:01 GMT');
    vi.useRealTimers();
  });
});
