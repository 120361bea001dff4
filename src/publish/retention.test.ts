import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MAX_JWKS_KEYS } from '../core/key-set-rules.js';
import { jwkOf } from '../core/keys.js';
import type { Jwk } from '../core/validate.js';
import type { KeyRecord } from './retention.js';
import { MAX_CLOCK_SKEW_MS, type PublishState, parseState, planKeys, publishedKeys } from './retention.js';

const ISSUER = 'https://oidc.example.com';
const T0 = Date.parse('2026-01-01T00:00:00Z');
const DAY = 86_400_000;
const key = (): Jwk => jwkOf(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey);
const [a, b, c] = [key(), key(), key()] as [Jwk, Jwk, Jwk];

function run(
  current: Jwk[],
  previous: PublishState | undefined,
  now: number,
  retainMs = DAY,
  published?: Jwk[],
) {
  return planKeys(current, previous, { issuer: ISSUER, now, retainMs, ...(published ? { published } : {}) });
}
const kids = (keys: readonly Jwk[]) => keys.map((jwk) => jwk.kid);

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

  it("names the state's issuer as the --issuer that keeps the destination its own, escaped, and only when it is an issuer", () => {
    const old = planKeys([a], undefined, { issuer: 'https://old.example.com/c1', now: T0, retainMs: DAY });
    expect(run([a], old.state, T0 + 1000).warnings).toEqual([
      `the retention state was written for issuer https://old.example.com/c1, not ${ISSUER}; starting it over ` +
        '(if relying parties still use https://old.example.com/c1 here, publish this destination with --issuer https://old.example.com/c1)',
    ]);
    const forged = { ...old.state, issuer: 'https://x\nwarning: all good' };
    expect(run([a], forged, T0 + 1000).warnings).toEqual([
      `the retention state was written for issuer https://x\\nwarning: all good, not ${ISSUER}; starting it over`,
    ]);
  });

  it(`fails beyond ${MAX_JWKS_KEYS} keys, counting retained ones`, () => {
    const many = Array.from({ length: MAX_JWKS_KEYS }, key);
    const previous = run(many, undefined, T0).state;
    expect(() => run([...many.slice(1), a], previous, T0 + 1000)).toThrow(
      /101 keys \(100 current, 1 retained\); AWS accepts at most 100/,
    );
  });
});

describe('parseState and publishedKeys', () => {
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
      'malformed key record (#1)',
    ],
    [JSON.stringify({ ...good, keys: [{ ...good.keys[0], kid: 'other' }] }), 'malformed key record (#1)'],
  ])('refuses %s', (text, expected) => {
    expect(() => parseState(Buffer.from(text), 'gs://b/p/state.json')).toThrow(expected);
  });

  it('reads the keys of a published JWKS; a body that is not a JWKS gives none, with a warning', () => {
    expect(publishedKeys(Buffer.from(JSON.stringify({ keys: [a, b] })), 'jwks')).toEqual({
      keys: [a, b],
      warnings: [],
    });
    expect(publishedKeys(Buffer.from('<html>'), 's3://b/p/openid/v1/jwks')).toEqual({
      keys: [],
      warnings: ['s3://b/p/openid/v1/jwks is not a JWKS; none of its keys can be carried over'],
    });
  });

  it('validates each published key as the source is validated, leaving out (and naming) the bad ones', () => {
    const privateKey = { ...a, kid: 'leaked', d: 'secret' };
    const read = publishedKeys(
      Buffer.from(JSON.stringify({ keys: [privateKey, b, { kty: 'oct', kid: 'hmac' }, b] })),
      'jwks',
    );
    expect(kids(read.keys)).toEqual([b.kid]);
    expect(read.warnings).toHaveLength(2);
    expect(read.warnings[0]).toMatch(/^jwks: .*"leaked".* private key material .*; not carried over$/);
    expect(read.warnings[1]).toMatch(/^jwks: .*"hmac".*unsupported kty "oct".*; not carried over$/);
  });
});

describe('a published JWKS counts as published, whatever the state says (item 6)', () => {
  it('a run that published k10,k11 but failed before its state write: the next run retains them', () => {
    const [k8, k9, k10, k11, k12] = [key(), key(), key(), key(), key()] as [Jwk, Jwk, Jwk, Jwk, Jwk];
    const r1 = run([k8, k9], undefined, T0);
    // R2 (T0 + 1 h) published k10, k11 (and kept k8, k9); its state write failed, so the state is R1's.
    const r2 = run([k10, k11], r1.state, T0 + 3600_000);
    const r3 = run([k12], r1.state, T0 + 7200_000, DAY, r2.keys);
    expect(kids(r3.keys)).toEqual([k12.kid, k8.kid, k9.kid, k10.kid, k11.kid]);
    expect(r3.dropped).toEqual([]);
    // The removal time of k10, k11 is this run's: never earlier than any state could have said.
    expect(r3.retained.find((r) => r.kid === k10.kid)).toEqual({
      kid: k10.kid,
      removedAt: '2026-01-01T02:00:00Z',
      until: '2026-01-02T02:00:00Z',
    });
    expect(r3.added).toEqual([k12.kid]);
  });

  it('a key the state records as removed keeps the recorded time, published or not', () => {
    const noticed = run([b], run([a, b], undefined, T0).state, T0 + 1000);
    const later = run([b], noticed.state, T0 + 3600_000, DAY, noticed.keys);
    expect(later.retained).toEqual(noticed.retained);
    expect(later.state).toEqual(noticed.state);
  });

  it('counts a published key the source still has as known, not added', () => {
    const plan = run([a, b], run([a], undefined, T0).state, T0 + 1000, DAY, [a, b]);
    expect(plan.added).toEqual([]);
  });

  it('keeps published keys for a window even when the state belongs to another issuer', () => {
    const other = planKeys([a], undefined, { issuer: 'https://other.example.com', now: T0, retainMs: DAY });
    const plan = run([b], other.state, T0 + 1000, DAY, [a]);
    expect(kids(plan.keys)).toEqual([b.kid, a.kid]);
    expect(plan.warnings[0]).toContain('written for issuer https://other.example.com');
  });
});

describe('the retention state is untrusted (item 8)', () => {
  const now = T0 + 10 * DAY;
  const state = (records: Array<Partial<KeyRecord> & { jwk: Jwk }>): PublishState => ({
    version: 1,
    issuer: ISSUER,
    keys: records.map((record) => ({ kid: record.jwk.kid, firstSeen: '2026-01-01T00:00:00Z', ...record })),
  });

  it('drops a record removed in 2099, naming the kid: it no longer outlives --retain-removed-keys', () => {
    const plan = run([b], state([{ jwk: a, removedAt: '2099-01-01T00:00:00Z' }]), now);
    expect(kids(plan.keys)).toEqual([b.kid]);
    expect(plan.warnings).toEqual([
      `the retention state's record of key ${a.kid} has removedAt 2099-01-01T00:00:00Z, in the future: ` +
        'it would stay published longer than --retain-removed-keys; dropping it',
    ]);
    expect(plan.state.keys.map((record) => record.kid)).toEqual([b.kid]);
  });

  it('a key so recorded that is still in the published JWKS stays one window from now, then goes', () => {
    const tampered = run([b], state([{ jwk: a, removedAt: '2099-01-01T00:00:00Z' }]), now, DAY, [a, b]);
    expect(tampered.retained).toEqual([
      { kid: a.kid, removedAt: '2026-01-11T00:00:00Z', until: '2026-01-12T00:00:00Z' },
    ]);
    expect(run([b], tampered.state, now + DAY, DAY, tampered.keys).dropped).toEqual([a.kid]);
    // With retention off it goes at once.
    expect(run([b], state([{ jwk: a, removedAt: '2099-01-01T00:00:00Z' }]), now, 0, [a, b]).dropped).toEqual([
      a.kid,
    ]);
  });

  it('drops a record first seen in the future, but allows the clock skew', () => {
    const future = new Date(now + MAX_CLOCK_SKEW_MS + 1000).toISOString();
    const skewed = new Date(now + MAX_CLOCK_SKEW_MS - 1000).toISOString();
    const plan = run(
      [b],
      state([
        { jwk: a, firstSeen: future },
        { jwk: c, removedAt: skewed },
      ]),
      now,
    );
    expect(kids(plan.keys)).toEqual([b.kid, c.kid]);
    expect(plan.warnings).toEqual([
      `the retention state's record of key ${a.kid} has firstSeen ${future}, in the future; dropping it`,
    ]);
  });

  it.each([
    ['a private key', { d: 'c2VjcmV0' }, 'private key material'],
    ['an unsupported key type', { kty: 'oct' }, 'unsupported kty'],
    ['a key without its public members', { x: undefined }, 'missing "x"'],
    ['a key for encryption', { use: 'enc' }, 'only "sig" keys'],
  ])('drops a record whose JWK is %s, naming the kid, and never publishes it', (_what, change, problem) => {
    const jwk = JSON.parse(JSON.stringify({ ...a, ...change })) as Jwk;
    const plan = run([b], state([{ jwk, removedAt: '2026-01-10T12:00:00Z' }]), now);
    expect(kids(plan.keys)).toEqual([b.kid]);
    expect(plan.warnings).toHaveLength(1);
    expect(plan.warnings[0]).toContain(
      `the retention state's record of key ${a.kid} is not a valid public key (`,
    );
    expect(plan.warnings[0]).toContain(problem);
  });

  it('drops the second record of a kid, and names a kid that is not printable safely', () => {
    const odd = { ...a, kid: 'line\nbreak' };
    const plan = run(
      [b],
      state([{ jwk: c }, { jwk: c }, { jwk: odd, firstSeen: '2099-01-01T00:00:00Z' }]),
      now,
    );
    expect(plan.warnings).toEqual([
      `the retention state's record of key ${c.kid} appears twice; dropping it`,
      `the retention state's record of key "line\\nbreak" has firstSeen 2099-01-01T00:00:00Z, in the future; dropping it`,
    ]);
  });
});
