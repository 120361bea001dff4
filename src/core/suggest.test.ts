import { describe, expect, it } from 'vitest';
import { didYouMean, editDistance, nearest } from './suggest.js';

describe('editDistance', () => {
  it.each([
    ['publish', 'publish', 0],
    ['pubish', 'publish', 1],
    ['pbulish', 'publish', 1],
    ['dets', 'dest', 1],
    ['serv', 'serve', 1],
    ['verfy', 'verify', 1],
    ['kubeconfg', 'kubeconfig', 1],
    ['', 'abc', 3],
    ['frobnicate', 'dest', 9],
  ])('%s → %s: %i', (a, b, distance) => {
    expect(editDistance(a, b)).toBe(distance);
    expect(editDistance(b, a)).toBe(distance);
  });
});

describe('nearest', () => {
  const commands = ['serve', 'publish', 'verify'];
  it('finds a word one or two edits away', () => {
    expect(nearest('pubish', commands)).toBe('publish');
    expect(nearest('PUBLISH', commands)).toBe('publish');
    expect(nearest('verfy', commands)).toBe('verify');
    expect(nearest('kubeconfg', ['kubeconfig', 'context'])).toBe('kubeconfig');
    expect(nearest('max-ages', ['max-age', 'dest'])).toBe('max-age');
  });

  it('takes the one known word a word begins, failing any within two edits', () => {
    const flags = ['cache-ttl-seconds', 'client-cache-ttl-seconds', 's3-endpoint', 's3-region'];
    expect(nearest('cache-ttl', flags)).toBe('cache-ttl-seconds');
    expect(nearest('s3', flags)).toBeUndefined();
    expect(nearest('s3-', flags)).toBeUndefined();
  });

  it('suggests nothing for an unrelated word, or a short word more than a third wrong', () => {
    expect(nearest('frobnicate', ['dest', 'issuer', 'from-keys'])).toBeUndefined();
    expect(nearest('ab', ['ca'])).toBeUndefined();
    expect(nearest('x'.repeat(10_000), ['x'])).toBeUndefined();
  });

  it('reads as a clause', () => {
    expect(didYouMean('dets', ['dest'], (w) => `--${w}`)).toBe('; did you mean --dest?');
    expect(didYouMean('zzz', ['dest'])).toBe('');
  });
});
