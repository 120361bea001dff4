/**
 * Every call to a store under one deadline (--store-timeout-seconds), whatever the backend.
 *
 * Invariants:
 * - a call not settled by its deadline fails with STORE_TIMEOUT, even if the backend never
 *   answers and never gives up (an S3 PUT accepted and never answered hung for minutes);
 * - the call's AbortSignal fires at the same moment and the backend aborts its own request
 *   where it can (S3, a folder's file I/O; GCS is bounded by its own timeout set to the
 *   same value), so nothing of a timed-out call keeps the process alive;
 * - a timed-out write is a failed write: sync stops there, so the documents after it are
 *   not written and what is published stays consistent whether or not it landed.
 */
import { GatewayError } from '../core/errors.js';
import type { ObjectStore, PutOptions, StoredObject } from './store.js';

export function withDeadline(store: ObjectStore, timeoutMs: number): ObjectStore {
  async function call<T>(what: string, where: string, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const signal = AbortSignal.timeout(timeoutMs);
    let onAbort = () => {};
    const expired = new Promise<never>((_resolve, reject) => {
      onAbort = () => reject(timedOut(what, where, timeoutMs));
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([run(signal), expired]);
    } catch (error) {
      // The backend's own abort error, or anything it threw while being aborted, is this timeout.
      if (signal.aborted) throw timedOut(what, where, timeoutMs);
      throw error;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }
  const sweep = store.sweep?.bind(store);

  return {
    description: store.description,
    recordsHeaders: store.recordsHeaders,
    locate: (key) => store.locate(key),
    head: (key: string): Promise<StoredObject | undefined> =>
      call('HEAD', store.locate(key), (signal) => store.head(key, signal)),
    get: (key: string): Promise<Buffer | undefined> =>
      call('GET', store.locate(key), (signal) => store.get(key, signal)),
    put: (key: string, body: Buffer, options: PutOptions): Promise<void> =>
      call('PUT', store.locate(key), (signal) => store.put(key, body, options, signal)),
    ...(sweep
      ? {
          sweep: (keys: readonly string[]) =>
            call('cleanup', store.description, (signal) => sweep(keys, signal)),
        }
      : {}),
    close: () => store.close(),
  };
}

function timedOut(what: string, where: string, timeoutMs: number): GatewayError {
  const seconds = timeoutMs / 1000;
  return new GatewayError(
    'STORE_TIMEOUT',
    `${where}: ${what} got no answer within ${seconds} s; the store is unreachable or stalled ` +
      '(check the endpoint and the network, or raise --store-timeout-seconds)',
  );
}
