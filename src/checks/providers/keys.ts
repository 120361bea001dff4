/**
 * The keys of a key set as the provider rules read it: whatever was fetched or built,
 * untrusted. A set without a key list gives no keys to judge (the validity check already
 * says what is wrong with it); an entry that is not an object is skipped the same way.
 */
import { isObject } from '../../core/validate.js';

export interface KeyEntry {
  /** `kid "abc"`, or `key #2` when it has no usable kid. */
  name: string;
  key: Record<string, unknown>;
}

export function keysOf(jwks: unknown): KeyEntry[] | undefined {
  if (!isObject(jwks) || !Array.isArray(jwks.keys)) return undefined;
  const entries: KeyEntry[] = [];
  jwks.keys.forEach((key: unknown, index) => {
    if (!isObject(key)) return;
    const name = typeof key.kid === 'string' && key.kid !== '' ? `kid "${key.kid}"` : `key #${index}`;
    entries.push({ name, key });
  });
  return entries;
}

/** `kid "abc" (EC ES256)`: the key with its type and algorithm, as the messages name it. */
export function describeKey({ name, key }: KeyEntry): string {
  const alg = typeof key.alg === 'string' ? ` ${key.alg}` : '';
  return `${name} (${String(key.kty)}${alg})`;
}
