/**
 * Key retention across rotations. A token signed just before a key is rotated out stays
 * valid for its lifetime, so the published JWKS keeps every key that was published before
 * and has since left the cluster, for a retention window. What each run needs to know for
 * that (when a key was first published, when it went away, and the key itself) is kept in
 * a small state object next to the documents, never in memory: the next run may be
 * another pod.
 *
 * A key's window starts at the first run that no longer finds it upstream. That run comes
 * at most one schedule interval after the key really left, so the window errs long, never
 * short. Nothing here changes between two runs that see the same keys, so such runs write
 * nothing.
 */
import { GatewayError } from '../core/errors.js';
import { type Jwk, validateJwks } from '../core/validate.js';

/** AWS IAM accepts an OIDC provider's JWKS with at most 100 keys. */
export const MAX_KEYS = 100;

export interface KeyRecord {
  kid: string;
  /** When a run first published the key (ISO 8601, UTC, seconds). */
  firstSeen: string;
  /** When a run first found it gone from the source; absent while the source still has it. */
  removedAt?: string;
  /** The public JWK as it was published, so it can still be published once the source dropped it. */
  jwk: Jwk;
}

export interface PublishState {
  version: 1;
  issuer: string;
  keys: KeyRecord[];
}

export interface RetainedKey {
  kid: string;
  removedAt: string;
  /** The first run at or after this time drops the key. */
  until: string;
}

export interface KeyPlan {
  /** The keys to publish: the source's, in its order, then the retained ones. */
  keys: Jwk[];
  state: PublishState;
  /** Kids published now that were not before. */
  added: string[];
  /** Kids gone from the source but still published. */
  retained: RetainedKey[];
  /** Kids published before and not any more (window over, or retention off). */
  dropped: string[];
  warnings: string[];
}

export function isoSeconds(time: number): string {
  return new Date(Math.floor(time / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export function planKeys(
  current: readonly Jwk[],
  previous: PublishState | undefined,
  options: { issuer: string; now: number; retainMs: number },
): KeyPlan {
  const warnings: string[] = [];
  let known = previous?.keys ?? [];
  if (previous && previous.issuer !== options.issuer) {
    // Keys of another issuer cannot verify this issuer's tokens; keeping them would only mislead.
    warnings.push(
      `the retention state was written for issuer ${previous.issuer}, not ${options.issuer}; starting it over`,
    );
    known = [];
  }
  const now = isoSeconds(options.now);
  const byKid = new Map(known.map((record) => [record.kid, record]));
  const currentKids = new Set(current.map((jwk) => jwk.kid));

  const records: KeyRecord[] = current.map((jwk) => ({
    kid: jwk.kid,
    firstSeen: byKid.get(jwk.kid)?.firstSeen ?? now,
    jwk,
  }));
  const retained: RetainedKey[] = [];
  const dropped: string[] = [];
  for (const record of known) {
    if (currentKids.has(record.kid)) continue;
    const removedAt = record.removedAt ?? now;
    const until = Date.parse(removedAt) + options.retainMs;
    if (options.retainMs > 0 && options.now < until) {
      records.push({ kid: record.kid, firstSeen: record.firstSeen, removedAt, jwk: record.jwk });
      retained.push({ kid: record.kid, removedAt, until: isoSeconds(until) });
    } else {
      dropped.push(record.kid);
    }
  }
  if (records.length > MAX_KEYS) {
    throw new GatewayError(
      'PUBLISH_INVALID',
      `the JWKS would hold ${records.length} keys (${current.length} current, ${retained.length} retained); ` +
        `AWS accepts at most ${MAX_KEYS}: shorten --retain-removed-keys`,
    );
  }
  return {
    keys: records.map((record) => record.jwk),
    state: { version: 1, issuer: options.issuer, keys: records },
    added: current.filter((jwk) => !byKid.has(jwk.kid)).map((jwk) => jwk.kid),
    retained,
    dropped,
    warnings,
  };
}

/** Reads a state object; a damaged one stops the run rather than silently dropping retained keys. */
export function parseState(body: Buffer, where: string): PublishState {
  const fail = (problem: string): never => {
    throw new GatewayError(
      'STORE_READ_FAILED',
      `${where}: ${problem}; fix or delete it (deleting it restarts retention from the published JWKS)`,
    );
  };
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return fail('the retention state is not JSON');
  }
  const state = value as Partial<PublishState> | null;
  if (typeof state !== 'object' || state === null || state.version !== 1) {
    return fail('the retention state is not version 1');
  }
  if (typeof state.issuer !== 'string' || !Array.isArray(state.keys)) {
    return fail('the retention state has no issuer or keys');
  }
  for (const record of state.keys as unknown[]) {
    const r = record as Partial<KeyRecord> | null;
    const validTime = (time: unknown) => typeof time === 'string' && !Number.isNaN(Date.parse(time));
    if (
      typeof r !== 'object' ||
      r === null ||
      typeof r.kid !== 'string' ||
      !validTime(r.firstSeen) ||
      (r.removedAt !== undefined && !validTime(r.removedAt)) ||
      typeof r.jwk !== 'object' ||
      r.jwk === null ||
      r.jwk.kid !== r.kid
    ) {
      return fail(`the retention state has a malformed key record ${JSON.stringify(record).slice(0, 80)}`);
    }
  }
  return state as PublishState;
}

/**
 * A state for a destination that has a published JWKS but no state object (published by
 * an older version or another tool, or the state was deleted): every key in it counts as
 * published, so keys the source no longer has are retained rather than dropped at once.
 */
export function stateFromPublishedJwks(
  body: Buffer,
  options: { issuer: string; now: number },
): PublishState | undefined {
  try {
    const jwks = validateJwks(JSON.parse(body.toString('utf8')));
    const now = isoSeconds(options.now);
    return {
      version: 1,
      issuer: options.issuer,
      keys: jwks.keys.map((jwk) => ({ kid: jwk.kid, firstSeen: now, jwk })),
    };
  } catch {
    return undefined;
  }
}
