/**
 * Brings one destination up to date with the rendered documents, safely:
 * - reads first (the retention state, the published JWKS, and one HEAD per document), all
 *   before any write; the published JWKS's keys are folded into the key plan, so a key
 *   published by a run that failed before its state write is retained, not dropped;
 * - rewrites only what differs, so a run with nothing new writes no object at all (a
 *   folder's temporary files left by a killed run are removed all the same);
 * - writes the JWKS before the discovery document, and the state last, stopping at the
 *   first failure: a relying party never finds a discovery document whose keys are not
 *   published yet, and what was published before stays as it was. Every store call has
 *   the run's deadline (stores/deadline.ts), and a write past it is a failed write.
 */
import {
  type IssuerDocuments,
  type NormalizeOptions,
  normalizeDiscovery,
  normalizeJwks,
  type RenderedDiscovery,
  type RenderedJwks,
} from '../core/documents.js';
import { describeError, isGatewayError, type ReportedError } from '../core/errors.js';
import { SIGNING_ALGS_MEMBER, signingAlgsFor } from '../core/key-set-rules.js';
import { etagOf, renderJson } from '../core/render.js';
import type { Jwk } from '../core/validate.js';
import type { ObjectStore, StoredObject } from '../stores/store.js';
import { lineDiff } from './diff.js';
import { DISCOVERY_KEY, STATE_KEY } from './layout.js';
import { type KeyPlan, parseState, planKeys, publishedKeys, type RetainedKey } from './retention.js';

export type ObjectKind = 'jwks' | 'discovery' | 'state';
/** created/updated/unchanged: what the run did (or would do); failed/skipped: a write that failed, and the ones after it. */
export type ObjectStatus = 'created' | 'updated' | 'unchanged' | 'failed' | 'skipped';

export interface ObjectResult {
  kind: ObjectKind;
  key: string;
  location: string;
  status: ObjectStatus;
  bytes: number;
  etag: string;
  previousEtag?: string;
  /** --dry-run only: the lines that would change. */
  diff?: string[];
  error?: ReportedError;
}

export interface KeyChanges {
  /** Every kid in the published JWKS. */
  kids: string[];
  added: string[];
  retained: RetainedKey[];
  dropped: string[];
}

export interface DestinationResult {
  destination: string;
  ok: boolean;
  objects: ObjectResult[];
  keys?: KeyChanges | undefined;
  warnings: string[];
  error?: ReportedError;
  /** The bytes this destination now serves (or would), for --check-public-url. */
  published?: { discovery: Buffer; jwks: Buffer };
}

export interface SyncOptions {
  normalize: NormalizeOptions;
  jwksKey: string;
  maxAgeSeconds: number;
  retainMs: number;
  publicRead: boolean;
  dryRun: boolean;
  now: number;
}

interface DesiredObject {
  kind: ObjectKind;
  key: string;
  body: Buffer;
  etag: string;
  status: 'created' | 'updated' | 'unchanged';
  previousEtag?: string | undefined;
  contentType: string;
  cacheControl: string;
  publicRead: boolean;
}

const CONTENT_TYPE = 'application/json';
/** The state object is for this tool only: never cached, never given a public ACL. */
const STATE_CACHE_CONTROL = 'no-cache';

export async function syncDestination(
  store: ObjectStore,
  documents: IssuerDocuments,
  options: SyncOptions,
): Promise<DestinationResult> {
  const result: DestinationResult = {
    destination: store.description,
    ok: false,
    objects: [],
    keys: undefined,
    warnings: [],
  };
  let desired: DesiredObject[];
  try {
    const planned = await plan(store, documents, options);
    desired = planned.objects;
    result.keys = planned.keys;
    result.warnings.push(...planned.warnings);
    result.published = { discovery: planned.discovery.body, jwks: planned.jwks.body };
    if (options.dryRun) {
      const stored = (object: DesiredObject) => (object.kind === 'jwks' ? planned.jwksBody : undefined);
      result.objects = await Promise.all(
        desired.map((object) => dryRunResult(store, object, stored(object))),
      );
      result.ok = true;
      return result;
    }
  } catch (error) {
    result.error = errorOf(error);
    return result;
  }

  // Leftovers of a killed run (a folder's temporary files) go first, whether or not their
  // object is written this time; failing to remove them changes nothing published.
  await store.sweep?.(desired.map((object) => object.key)).catch(() => {});
  for (const object of desired) {
    const entry = objectResult(store, object);
    result.objects.push(entry);
    if (result.error) {
      if (object.status !== 'unchanged') entry.status = 'skipped';
      continue;
    }
    if (object.status === 'unchanged') continue;
    try {
      await store.put(object.key, object.body, {
        contentType: object.contentType,
        cacheControl: object.cacheControl,
        sha256: object.etag,
        publicRead: object.publicRead,
      });
    } catch (error) {
      entry.status = 'failed';
      entry.error = errorOf(error);
      result.error = entry.error;
    }
  }
  result.ok = result.error === undefined;
  return result;
}

async function plan(store: ObjectStore, documents: IssuerDocuments, options: SyncOptions) {
  const { jwksKey } = options;
  const [stateBody, jwksHead, discoveryHead, jwksBody] = await Promise.all([
    store.get(STATE_KEY),
    store.head(jwksKey),
    store.head(DISCOVERY_KEY),
    store.get(jwksKey),
  ]);
  const issuer = documents.discovery.document.issuer;
  const previous = stateBody ? parseState(stateBody, store.locate(STATE_KEY)) : undefined;
  // What is out there counts as published, whatever the state says (or if there is none).
  const published = jwksBody ? publishedKeys(jwksBody, store.locate(jwksKey)) : { keys: [], warnings: [] };
  const keyPlan = planKeys(documents.jwks.document.keys, previous, {
    issuer,
    now: options.now,
    retainMs: options.retainMs,
    published: published.keys,
  });
  const jwks = withRetainedKeys(documents.jwks, keyPlan, options.normalize);
  const discovery = withRetainedAlgs(documents.discovery, keyPlan.keys, options.normalize);
  const state = renderJson(keyPlan.state, { pretty: true });

  const cacheControl = `public, max-age=${options.maxAgeSeconds}`;
  const publicObject = (
    kind: 'jwks' | 'discovery',
    key: string,
    rendered: RenderedJwks | RenderedDiscovery,
    head: StoredObject | undefined,
  ): DesiredObject => ({
    kind,
    key,
    body: rendered.body,
    etag: rendered.etag,
    status:
      head === undefined
        ? 'created'
        : matches(store, head, rendered.etag, cacheControl, options.publicRead)
          ? 'unchanged'
          : 'updated',
    previousEtag: head?.sha256,
    contentType: CONTENT_TYPE,
    cacheControl,
    publicRead: options.publicRead,
  });
  const objects: DesiredObject[] = [
    // The order of the writes: keys first, then the document that points at them, then the state.
    publicObject('jwks', jwksKey, jwks, jwksHead),
    publicObject('discovery', DISCOVERY_KEY, discovery, discoveryHead),
    {
      kind: 'state',
      key: STATE_KEY,
      body: state.body,
      etag: state.etag,
      // Its bytes decide: the state is read whole on every run anyway, and its headers do not matter.
      status: stateBody === undefined ? 'created' : stateBody.equals(state.body) ? 'unchanged' : 'updated',
      previousEtag: stateBody && etagOf(stateBody),
      contentType: CONTENT_TYPE,
      cacheControl: STATE_CACHE_CONTROL,
      publicRead: false,
    },
  ];
  const keys: KeyChanges = {
    kids: keyPlan.keys.map((key) => key.kid),
    added: keyPlan.added,
    retained: keyPlan.retained,
    dropped: keyPlan.dropped,
  };
  return { objects, keys, warnings: [...published.warnings, ...keyPlan.warnings], jwks, discovery, jwksBody };
}

/** Whether the stored object already is what would be written. */
function matches(
  store: ObjectStore,
  head: StoredObject,
  etag: string,
  cacheControl: string,
  publicRead: boolean,
): boolean {
  if (head.sha256 !== etag) return false;
  if (!store.recordsHeaders) return true;
  return (
    head.contentType === CONTENT_TYPE &&
    head.cacheControl === cacheControl &&
    (head.publicRead ?? false) === publicRead
  );
}

/** The source's JWKS as rendered by the core, or, with retained keys, the same rendering of the longer list. */
function withRetainedKeys(jwks: RenderedJwks, keyPlan: KeyPlan, normalize: NormalizeOptions): RenderedJwks {
  if (keyPlan.retained.length === 0) return jwks;
  return normalizeJwks({ ...jwks.document, keys: keyPlan.keys }, normalize);
}

/** The discovery document advertising every published key's alg (core/key-set-rules.ts). */
function withRetainedAlgs(
  discovery: RenderedDiscovery,
  keys: readonly Jwk[],
  normalize: NormalizeOptions,
): RenderedDiscovery {
  const algs = discovery.document[SIGNING_ALGS_MEMBER];
  if (!Array.isArray(algs)) return discovery;
  const advertised = signingAlgsFor(algs as string[], keys);
  if (advertised === algs) return discovery;
  const rendered = normalizeDiscovery(
    { ...discovery.document, [SIGNING_ALGS_MEMBER]: [...advertised] },
    normalize,
  );
  // The new bytes; where the document came from (a rewritten jwks_uri, a re-issue) stays as it was.
  return { ...discovery, document: rendered.document, body: rendered.body, etag: rendered.etag };
}

function objectResult(store: ObjectStore, object: DesiredObject): ObjectResult {
  return {
    kind: object.kind,
    key: object.key,
    location: store.locate(object.key),
    status: object.status,
    bytes: object.body.length,
    etag: object.etag,
    ...(object.previousEtag && object.status !== 'unchanged' ? { previousEtag: object.previousEtag } : {}),
  };
}

/** In a dry run, a document that would be updated is also fetched once (the JWKS already was), to show the lines that would change. */
async function dryRunResult(
  store: ObjectStore,
  object: DesiredObject,
  stored: Buffer | undefined,
): Promise<ObjectResult> {
  const entry = objectResult(store, object);
  if (object.status !== 'updated' || object.kind === 'state') return entry;
  const before = stored ?? (await store.get(object.key));
  entry.diff = lineDiff(before?.toString('utf8') ?? '', object.body.toString('utf8'));
  return entry;
}

function errorOf(error: unknown): ReportedError {
  if (isGatewayError(error)) return { code: error.code, message: error.message };
  // Anything else escaped a store's error mapping: still one line, still this destination only.
  return { code: 'STORE_WRITE_FAILED', message: describeError(error) };
}
