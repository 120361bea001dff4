/**
 * RSA-2048 key pairs for tests, made ahead of time: rsa-keys.pem beside this file holds 24
 * private keys from `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048`. Making
 * one takes 50–300 ms of CPU and the suite needs about fifty, so a test takes the next one
 * here instead. They are test keys, published here: nothing outside this repository trusts
 * them.
 *
 * Keys are handed out in turn, so any 24 taken one after another in a process are 24
 * different keys: more than any one test file takes (the apiserver stand-in's own test takes
 * the most, about a dozen). A later file in the same worker may get the same keys again,
 * which is harmless: every file builds its own stand-in and its own documents.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';

const PEM_BLOCK = /-----BEGIN PRIVATE KEY-----[^-]+-----END PRIVATE KEY-----/g;

let pairs: Array<{ privateKey: KeyObject; publicKey: KeyObject }> | undefined;
let next = 0;

/** Beside this module; from the bench's compiled copy (build/test/support/), the one in the sources. */
const PEM_FILES = [
  new URL('./rsa-keys.pem', import.meta.url),
  new URL('../../../test/support/rsa-keys.pem', import.meta.url),
];

function loadPairs(): Array<{ privateKey: KeyObject; publicKey: KeyObject }> {
  const file = PEM_FILES.find((candidate) => existsSync(candidate));
  if (!file) throw new Error('rsa-keys.pem not found beside test/support/rsa-keys.ts');
  const pem = readFileSync(file, 'utf8');
  return [...pem.matchAll(PEM_BLOCK)].map(([block]) => {
    const privateKey = createPrivateKey(block);
    return { privateKey, publicKey: createPublicKey(privateKey) };
  });
}

/** The next RSA-2048 key pair: what `generateKeyPairSync('rsa', { modulusLength: 2048 })` gives, without the wait. */
export function nextRsaKeyPair(): { privateKey: KeyObject; publicKey: KeyObject } {
  pairs ??= loadPairs();
  const pair = pairs[next % pairs.length];
  next += 1;
  if (!pair) throw new Error('test/support/rsa-keys.pem holds no keys');
  return pair;
}
