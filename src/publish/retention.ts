/**
 * Key retention across rotations. A token signed just before a key is rotated out stays
 * valid for its lifetime, so the published JWKS keeps every key that was published before
 * and has since left the cluster, for a retention window. What each run needs to know for
 * that (when a key was first published, when it went away, and the key itself) is kept in
 * a small state object next to the documents, never in memory: the next run may be
 * another pod.
 *
 * Invariants:
 * - a key's window starts at the first run that no longer finds it upstream. That run
 *   comes at most one schedule interval after the key really left, so the window errs
 *   long, never short;
 * - a kid in the published JWKS counts as published, whatever the state says: the state is
 *   written last, so a run that fails or is killed after the JWKS went out leaves keys the
 *   state never heard of. Such a key's window starts no earlier than the first run that
 *   finds it gone upstream and missing from the state: never earlier than the state would
 *   have said, so it too errs long;
 * - the state is untrusted input: a record whose times lie in the future (beyond
 *   MAX_CLOCK_SKEW_MS), which would keep a key longer than --retain-removed-keys, or whose
 *   JWK is not a valid public key, is dropped with a warning naming the kid. Every key
 *   published comes from the source, from a valid record, or from the published JWKS after
 *   the same validation as the source's keys;
 * - nothing here changes between two runs that see the same keys, so such runs write
 *   nothing.
 */
import { GatewayError, isGatewayError } from '../core/errors.js';
import { MAX_JWKS_KEYS } from '../core/key-set-rules.js';
import { printable } from '../core/printable.js';
import { checkIssuerUrl, type Jwk, validateJwk } from '../core/validate.js';

/** How far a recorded time may lie ahead of this run's clock: pods' clocks disagree a little. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

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

export interface PlanOptions {
  issuer: string;
  now: number;
  retainMs: number;
  /** The keys of the JWKS published now (publishedKeys): each counts as published. */
  published?: readonly Jwk[];
}

export function planKeys(
  current: readonly Jwk[],
  previous: PublishState | undefined,
  options: PlanOptions,
): KeyPlan {
  const warnings: string[] = [];
  const now = isoSeconds(options.now);
  const known = trustedRecords(recordsOfIssuer(previous, options.issuer, warnings), options, warnings);
  addUnrecordedKids(known, options.published ?? [], now);
  const byKid = new Map(known.map((record) => [record.kid, record]));

  const records: KeyRecord[] = current.map((jwk) => ({
    kid: jwk.kid,
    firstSeen: byKid.get(jwk.kid)?.firstSeen ?? now,
    jwk,
  }));
  const gone = goneKeys(known, current, options, now);
  records.push(...gone.records);
  if (records.length > MAX_JWKS_KEYS) {
    throw new GatewayError(
      'PUBLISH_INVALID',
      `the JWKS would hold ${records.length} keys (${current.length} current, ${gone.retained.length} retained); ` +
        `AWS accepts at most ${MAX_JWKS_KEYS}: shorten --retain-removed-keys`,
    );
  }
  return {
    keys: records.map((record) => record.jwk),
    state: { version: 1, issuer: options.issuer, keys: records },
    added: current.filter((jwk) => !byKid.has(jwk.kid)).map((jwk) => jwk.kid),
    retained: gone.retained,
    dropped: gone.dropped,
    warnings,
  };
}

/** The state's records when it was written for this issuer; none, with a warning, when for another. */
function recordsOfIssuer(
  previous: PublishState | undefined,
  issuer: string,
  warnings: string[],
): KeyRecord[] {
  if (!previous) return [];
  if (previous.issuer === issuer) return previous.keys;
  // Keys of another issuer cannot verify this issuer's tokens; keeping them would only mislead.
  // (Keys still in the published JWKS are kept by addUnrecordedKids all the same: erring long.)
  // Most often a cluster that changed issuer, published here without --issuer: the relying
  // parties of the old one now find a document naming the new one.
  // The state is untrusted: its issuer is escaped, and named as a remedy only when it is one.
  const stateIssuer = printable(previous.issuer);
  const remedy =
    checkIssuerUrl(previous.issuer, 'issuer') === undefined
      ? ` (if relying parties still use ${stateIssuer} here, publish this destination with --issuer ${stateIssuer})`
      : '';
  warnings.push(
    `the retention state was written for issuer ${stateIssuer}, not ${issuer}; starting it over${remedy}`,
  );
  return [];
}

/**
 * A kid published but unknown to the state (its run failed or was killed before the state
 * write) is added to `known`: published as of this run, so its window starts no earlier than now.
 */
function addUnrecordedKids(known: KeyRecord[], published: readonly Jwk[], now: string): void {
  const knownKids = new Set(known.map((record) => record.kid));
  for (const jwk of published) {
    if (!knownKids.has(jwk.kid)) known.push({ kid: jwk.kid, firstSeen: now, jwk });
    knownKids.add(jwk.kid);
  }
}

/** The known keys the source no longer has: retained (with their records) while their window lasts, else dropped. */
function goneKeys(
  known: readonly KeyRecord[],
  current: readonly Jwk[],
  options: PlanOptions,
  now: string,
): { records: KeyRecord[]; retained: RetainedKey[]; dropped: string[] } {
  const currentKids = new Set(current.map((jwk) => jwk.kid));
  const records: KeyRecord[] = [];
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
  return { records, retained, dropped };
}

/**
 * The records that may be trusted, in order; each other one is dropped with a warning
 * naming its kid: a kid recorded twice, a time in the future (beyond the clock skew, it
 * would keep the key longer than --retain-removed-keys: a removedAt in 2099 kept a key
 * forever), a JWK that is not a valid public key (the core's own JWK validation).
 */
function trustedRecords(
  records: readonly KeyRecord[],
  options: { now: number; retainMs: number },
  warnings: string[],
): KeyRecord[] {
  const latest = options.now + MAX_CLOCK_SKEW_MS;
  const seen = new Set<string>();
  const trusted: KeyRecord[] = [];
  records.forEach((record, index) => {
    const problem = recordProblem(record, index, latest, seen);
    seen.add(record.kid);
    if (problem)
      warnings.push(`the retention state's record of key ${shownKid(record.kid)} ${problem}; dropping it`);
    else trusted.push(record);
  });
  return trusted;
}

/** A kid as it can go into a one-line warning: kids read back are untrusted, and may hold anything. */
function shownKid(kid: string): string {
  return /^[\w.:-]{1,128}$/.test(kid) ? kid : JSON.stringify(kid.slice(0, 64));
}

function recordProblem(
  record: KeyRecord,
  index: number,
  latest: number,
  seen: Set<string>,
): string | undefined {
  if (seen.has(record.kid)) return 'appears twice';
  if (Date.parse(record.firstSeen) > latest) return `has firstSeen ${record.firstSeen}, in the future`;
  if (record.removedAt !== undefined && Date.parse(record.removedAt) > latest) {
    return `has removedAt ${record.removedAt}, in the future: it would stay published longer than --retain-removed-keys`;
  }
  try {
    validateJwk(record.jwk, `the state's key #${index}`);
  } catch (error) {
    if (!isGatewayError(error)) throw error;
    return `is not a valid public key (${error.message})`;
  }
  return undefined;
}

/**
 * The keys of the published JWKS, read back as untrusted input: each is validated as the
 * source's keys are, and one that fails (or repeats a kid) is left out with a warning; a
 * body that is not a JWKS at all gives no keys and one warning. `where` names the object.
 */
export function publishedKeys(body: Buffer, where: string): { keys: Jwk[]; warnings: string[] } {
  const warnings: string[] = [];
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    value = undefined;
  }
  const list = (value as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(list)) {
    return { keys: [], warnings: [`${where} is not a JWKS; none of its keys can be carried over`] };
  }
  const keys: Jwk[] = [];
  const seen = new Set<string>();
  list.forEach((candidate, index) => {
    try {
      const jwk = validateJwk(candidate, `JWKS key #${index}`);
      if (!seen.has(jwk.kid)) keys.push(jwk);
      seen.add(jwk.kid);
    } catch (error) {
      if (!isGatewayError(error)) throw error;
      warnings.push(`${where}: ${error.message}; not carried over`);
    }
  });
  return { keys, warnings };
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
  for (const [index, record] of (state.keys as unknown[]).entries()) {
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
      return fail(`the retention state has a malformed key record (#${index + 1})`);
    }
  }
  return state as PublishState;
}
