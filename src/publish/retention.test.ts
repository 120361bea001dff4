import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { jwkOf } from '../core/keys.js';
import type { Jwk } from '../core/validate.js';
import { MAX_KEYS, type PublishState, parseState, planKeys, stateFromPublishedJwks } from './retention.js';

const ISSUER = 'https://oidc.example.com';
const T0 = Date.parse('2026-01-01T00:00:00Z');
const DAY = 86_400_000;
const key = (): Jwk => jwkOf(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey);
const [a, b, c] = [key(), key(), key()] as [Jwk, Jwk, Jwk];

function run(current: Jwk[], previous: PublishState | undefined, now: number, retainMs = DAY) {
  return planKeys(current, previous, { issuer: ISSUER, now, retainMs });
}

describe('planKeys', () => {
  it('publishes the source keys in order and records when each was first seen', () => {
    const plan = run([a, b], undefined, T0);
    expect(plan.keys).toEqual([a, b]);
    expect(plan.added).toEqual([a.kid, b.kid]);
    expect(plan.state.keys.map((r) => [r.kid, r.firstSeen, r.removedAt])).toEqual([
      [a.kid, '2026-01-01T00:00:00Z', undefined],
      [b.kid, '2026-01-01T00:00:00Z', undefined],
    ]);
  });

  it('writes the same state again when nothing changed, however much time passed', () => {
    const first = run([a, b], undefined, T0);
    const later = run([a, b], first.state, T0 + 30 * DAY);
    expect(later.state).toEqual(first.state);
    expect(later.added).toEqual([]);
  });

  it('retains a removed key from the run that noticed, for the window, then drops it', () => {
    const first = run([a, b], undefined, T0);
    const noticed = run([b, c], first.state, T0 + 3600_000);
    expect(noticed.keys.map((k) => k.kid)).toEqual([b.kid, c.kid, a.kid]);
    expect(noticed.retained).toEqual([
      { kid: a.kid, removedAt: '2026-01-01T01:00:00Z', until: '2026-01-02T01:00:00Z' },
    ]);
    const inside = run([b, c], noticed.state, T0 + 3600_000 + DAY - 1);
    expect(inside.state).toEqual(noticed.state);
    const over = run([b, c], inside.state, T0 + 3600_000 + DAY);
    expect(over.keys.map((k) => k.kid)).toEqual([b.kid, c.kid]);
    expect(over.dropped).toEqual([a.kid]);
  });

  it('takes a key back from retention when the source has it again', () => {
    const noticed = run([b], run([a, b], undefined, T0).state, T0 + 1000);
    const back = run([a, b], noticed.state, T0 + 2000);
    expect(back.retained).toEqual([]);
    expect(back.state.keys.find((r) => r.kid === a.kid)).toEqual({
      kid: a.kid,
      firstSeen: '2026-01-01T00:00:00Z',
      jwk: a,
    });
  });

  it('drops at once with retention 0', () => {
    const plan = run([b], run([a, b], undefined, T0).state, T0 + 1000, 0);
    expect(plan.keys).toEqual([b]);
    expect(plan.dropped).toEqual([a.kid]);
  });

  it('starts over, with a warning, when the state belongs to another issuer', () => {
    const other = planKeys([a], undefined, { issuer: 'https://other.example.com', now: T0, retainMs: DAY });
    const plan = run([b], other.state, T0 + 1000);
    expect(plan.keys).toEqual([b]);
    expect(plan.warnings[0]).toContain('written for issuer https://other.example.com');
  });

  it(`fails beyond ${MAX_KEYS} keys, counting retained ones`, () => {
    const many = Array.from({ length: MAX_KEYS }, key);
    const previous = run(many, undefined, T0).state;
    expect(() => run([...many.slice(1), a], previous, T0 + 1000)).toThrow(
      /101 keys \(100 current, 1 retained\); AWS accepts at most 100/,
    );
  });
});

describe('parseState and stateFromPublishedJwks', () => {
  const good = run([a], undefined, T0).state;

  it('reads back what planKeys wrote', () => {
    expect(parseState(Buffer.from(JSON.stringify(good)), 'state.json')).toEqual(good);
  });

  it.each([
    ['not json', 'is not JSON'],
    ['{"version":2}', 'is not version 1'],
    ['{"version":1,"issuer":"x"}', 'has no issuer or keys'],
    [
      JSON.stringify({ ...good, keys: [{ ...good.keys[0], firstSeen: 'yesterday' }] }),
      'malformed key record',
    ],
    [JSON.stringify({ ...good, keys: [{ ...good.keys[0], kid: 'other' }] }), 'malformed key record'],
  ])('refuses %s', (text, expected) => {
    expect(() => parseState(Buffer.from(text), 'gs://b/p/state.json')).toThrow(expected);
  });

  it('adopts the keys of a published JWKS, and ignores one that is not a JWKS', () => {
    const adopted = stateFromPublishedJwks(Buffer.from(JSON.stringify({ keys: [a, b] })), {
      issuer: ISSUER,
      now: T0,
    });
    expect(adopted?.keys.map((r) => r.kid)).toEqual([a.kid, b.kid]);
    expect(run([b], adopted, T0 + 1000).retained.map((r) => r.kid)).toEqual([a.kid]);
    expect(stateFromPublishedJwks(Buffer.from('<html>'), { issuer: ISSUER, now: T0 })).toBeUndefined();
  });
});
