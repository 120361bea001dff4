/**
 * An object store held in memory, for tests: the store contract suite runs it like any
 * other backend, and publish's sync is unit-tested on it in milliseconds.
 *
 * Invariants:
 * - it is an ObjectStore like the others: what put() is given, head() and get() give back
 *   (copies: a caller changing a Buffer changes nothing stored); a missing key is undefined;
 *   a stored object larger than MAX_STORED_OBJECT_BYTES is refused on read, as by every store;
 * - every call is recorded in `calls`, in the order it was made, with how it ended, so a
 *   test can assert the order of the writes and that a run made none;
 * - `fault` decides, call by call, whether a call fails the way a real store refuses it
 *   (the shared wording of stores/errors.ts, the stable codes) or stalls until its signal
 *   aborts (a store that never answers), before the call has any effect;
 * - no `--dest` names it: stores/open.ts does not know it, so a run never loads it
 *   (test/publish.cli.test.ts proves that with the import recorder, test/boundaries.test.ts
 *   that no module under src/ imports it).
 */
import { GatewayError } from '../core/errors.js';
import { accessDenied, publicReadRefused } from './errors.js';
import { MAX_STORED_OBJECT_BYTES, type ObjectStore, type PutOptions, type StoredObject } from './store.js';

export type MemoryOperation = 'head' | 'get' | 'put' | 'sweep';

/** A call as the fault rule sees it; `options` only for put. */
export interface MemoryCallRequest {
  op: MemoryOperation;
  /** The key, or for sweep the keys joined with a comma. */
  key: string;
  options?: PutOptions | undefined;
}

export interface MemoryCall extends MemoryCallRequest {
  /** ok: done (head/get found the object); missing: head/get found none; failed; stalled: aborted by its signal. */
  outcome: 'ok' | 'missing' | 'failed' | 'stalled';
}

/**
 * What a refused call does: `denied` fails as an identity without the permission
 * (STORE_ACCESS_DENIED), `public-read-refused` as a bucket that takes no ACLs, `stall` never
 * answers (until the call's signal aborts), an Error is thrown as it is.
 */
export type MemoryFault = 'denied' | 'public-read-refused' | 'stall' | Error;

export interface MemoryObject {
  body: Buffer;
  contentType: string;
  cacheControl: string;
  sha256: string;
  publicRead: boolean;
}

export interface MemoryStore extends ObjectStore {
  /** The objects by key; a test may seed, change or delete them directly (no call is recorded). */
  readonly objects: Map<string, MemoryObject>;
  /** Every call made, in order. */
  readonly calls: MemoryCall[];
  /** Decides each call's fault; undefined (or a rule answering undefined) lets it through. */
  fault: ((call: MemoryCallRequest) => MemoryFault | undefined) | undefined;
}

export interface MemoryStoreOptions {
  /** Names the store: `memory://<name>`. */
  name?: string;
  /** False to keep no headers, as a folder: head() then gives only the hash of the bytes. */
  recordsHeaders?: boolean;
  /** The objects, shared with another instance: the same store opened again. */
  objects?: Map<string, MemoryObject>;
  /** The call log to append to, shared likewise. */
  calls?: MemoryCall[];
}

export function createMemoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  const description = `memory://${options.name ?? 'test'}`;
  const recordsHeaders = options.recordsHeaders ?? true;
  const objects = options.objects ?? new Map<string, MemoryObject>();
  const calls = options.calls ?? [];
  const locate = (key: string) => `${description}/${key}`;

  /** Runs one call: the fault first (nothing happens then), else `run`, recording how it ended. */
  async function call<T>(
    request: MemoryCallRequest,
    signal: AbortSignal | undefined,
    run: () => T,
  ): Promise<T> {
    const entry: MemoryCall = { ...request, outcome: 'ok' };
    calls.push(entry);
    const fault = store.fault?.(request);
    if (fault === 'stall') {
      entry.outcome = 'stalled';
      return stalled(signal);
    }
    if (fault !== undefined) {
      entry.outcome = 'failed';
      throw faultError(fault, request, locate);
    }
    // A store's reply comes later than its call: the caller must not rely on it being at once.
    await Promise.resolve();
    let result: T;
    try {
      result = run();
    } catch (error) {
      entry.outcome = 'failed';
      throw error;
    }
    if (result === undefined && request.op !== 'put' && request.op !== 'sweep') entry.outcome = 'missing';
    return result;
  }

  const store: MemoryStore = {
    description,
    recordsHeaders,
    objects,
    calls,
    fault: undefined,
    locate,
    head: (key, signal) =>
      call({ op: 'head', key }, signal, (): StoredObject | undefined => {
        const object = objects.get(key);
        if (!object) return undefined;
        if (!recordsHeaders) return { sha256: object.sha256 };
        const { sha256, contentType, cacheControl, publicRead } = object;
        return { sha256, contentType, cacheControl, publicRead };
      }),
    get: (key, signal) =>
      call({ op: 'get', key }, signal, (): Buffer | undefined => {
        const object = objects.get(key);
        if (!object) return undefined;
        if (object.body.length > MAX_STORED_OBJECT_BYTES) {
          throw new GatewayError(
            'STORE_READ_FAILED',
            `${locate(key)}: ${object.body.length} bytes, more than the ${MAX_STORED_OBJECT_BYTES} a stored document may have`,
          );
        }
        return Buffer.from(object.body);
      }),
    put: (key, body, put, signal) =>
      call({ op: 'put', key, options: { ...put } }, signal, (): void => {
        objects.set(key, { ...put, body: Buffer.from(body) });
      }),
    sweep: (keys, signal) => call({ op: 'sweep', key: keys.join(',') }, signal, (): void => {}),
    // Nothing to release: the objects stay for whoever opens the same map again.
    close(): void {},
  };
  return store;
}

function faultError(
  fault: Exclude<MemoryFault, 'stall'>,
  request: MemoryCallRequest,
  locate: (key: string) => string,
) {
  if (fault instanceof Error) return fault;
  const action = request.op === 'put' ? 'write' : 'read';
  const location = locate(request.key);
  if (fault === 'public-read-refused') {
    return publicReadRefused(
      { action, location },
      'the test refuses ACLs',
      'grant public read some other way',
    );
  }
  return accessDenied(
    { action, location, status: 403, name: 'AccessDenied', message: 'Access Denied', cause: undefined },
    `the identity needs permission to ${action} it`,
  );
}

/** A reply that never comes: rejects only when the call's signal aborts (stores/deadline.ts gives every call one). */
function stalled(signal: AbortSignal | undefined): Promise<never> {
  return new Promise((_resolve, reject) => {
    if (signal?.aborted) reject(signal.reason);
    signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}
