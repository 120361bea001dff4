/**
 * Issuer documents built from PEM key files, the way kube-apiserver builds them from
 * --service-account-key-file: which PEM blocks count as keys (client-go keyutil
 * ParsePublicKeysPEM), the kid (base64url SHA-256 of the DER SubjectPublicKeyInfo), the
 * JWK members in go-jose's order, alg from the key type, and the discovery document in
 * pkg/serviceaccount/openidmetadata.go's field order with its algs sorted and unique.
 * This lets `publish` write the documents before the cluster exists, and `verify`
 * compare a cluster against the key files it should be using.
 *
 * A key file is input like any other: it is read with a 1 MiB cap (a path may name
 * /dev/zero), parsed in one pass over its lines, and more than 256 PEM blocks are refused
 * before any is parsed, so no file costs more than a moment of time or memory.
 */
import { createHash, createPrivateKey, createPublicKey, type KeyObject, X509Certificate } from 'node:crypto';
import { readFileOrFail } from './bounded-file.js';
import { GatewayError } from './errors.js';
import type { DocumentSource } from './source.js';
import { checkIssuerUrl, type DiscoveryDocument, type Jwk, type JwkSet } from './validate.js';
import { DISCOVERY_PATH, defaultJwksUri, type WellKnownPath } from './well-known.js';

export type SigningAlg = 'RS256' | 'ES256' | 'ES384' | 'ES512';

/** kube-apiserver signs with RS256 for any RSA key, and ES* by curve; nothing else. */
const ALG_BY_CURVE: Record<string, SigningAlg> = {
  prime256v1: 'ES256',
  secp384r1: 'ES384',
  secp521r1: 'ES512',
};

interface PemBlock {
  type: string;
  hasHeaders: boolean;
  der: Buffer;
}

/** A key file larger than this is refused before it is parsed: a PEM key file is a few KiB. */
export const MAX_KEY_FILE_BYTES = 1024 * 1024;

/** More PEM blocks than this in one file is refused: each costs a few key parses, and AWS takes 100 keys. */
export const MAX_PEM_BLOCKS = 256;

const BEGIN = '-----BEGIN ';
const END = '-----END ';
const TRAILER = '-----';

/** The line without the trailing spaces, tabs and CRs Go's pem package ignores (a loop, not a regex: linear). */
function trimLineEnd(line: string): string {
  let end = line.length;
  while (end > 0) {
    const char = line.charCodeAt(end - 1);
    if (char !== 0x20 && char !== 0x09 && char !== 0x0d) break;
    end -= 1;
  }
  return end === line.length ? line : line.slice(0, end);
}

/**
 * Every BEGIN/END block in the text, like Go's pem.Decode in a loop; malformed ones are
 * skipped. One pass over the lines, so the time is linear in the text whatever it holds
 * (a regex searching for the END of every BEGIN is quadratic on a file of BEGIN lines):
 * - a BEGIN line opens a block, abandoning an open one (its body would hold the BEGIN
 *   line, which is not base64, so Go skips it too);
 * - RFC 1421 header lines ("Proc-Type: 4,ENCRYPTED") are the lines with a colon right
 *   after the BEGIN line;
 * - the first END line closes the block: kept when it names the same type, skipped otherwise.
 */
function pemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  let open: OpenBlock | undefined;
  for (const rawLine of text.split('\n')) {
    const line = trimLineEnd(rawLine);
    if (line.startsWith(BEGIN)) {
      open = openBlock(line);
    } else if (open && line.startsWith(END)) {
      const block = closeBlock(open, line);
      if (block) blocks.push(block);
      open = undefined;
    } else if (open) {
      readBodyLine(open, line);
    }
  }
  return blocks;
}

/** A block whose BEGIN line has been read and whose END line has not. */
interface OpenBlock {
  type: string;
  hasHeaders: boolean;
  inHeaders: boolean;
  body: string[];
}

/** The block a BEGIN line opens; undefined when the line lacks its trailing dashes. */
function openBlock(line: string): OpenBlock | undefined {
  const trailed = line.length >= BEGIN.length + TRAILER.length && line.endsWith(TRAILER);
  return trailed
    ? { type: line.slice(BEGIN.length, -TRAILER.length), hasHeaders: false, inHeaders: true, body: [] }
    : undefined;
}

/** A header line (a colon, right after the BEGIN line) or a line of the body. */
function readBodyLine(open: OpenBlock, line: string): void {
  if (open.inHeaders && line.includes(':')) {
    open.hasHeaders = true;
    return;
  }
  open.inHeaders = false;
  open.body.push(line);
}

/** The block an END line closes: undefined when it names another type or the body is not base64. */
function closeBlock(block: OpenBlock, endLine: string): PemBlock | undefined {
  if (endLine !== `${END}${block.type}${TRAILER}`) return undefined;
  // Go removes spaces and tabs; its base64 decoder skips line breaks.
  const base64 = block.body.join('').replace(/[ \t\r]/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64)) return undefined;
  return { type: block.type, hasHeaders: block.hasHeaders, der: Buffer.from(base64, 'base64') };
}

/** createPublicKey refuses a KeyObject that is already public. */
function publicPart(key: KeyObject): KeyObject {
  return key.type === 'public' ? key : createPublicKey(key);
}

function attempt<T>(parse: () => T): T | undefined {
  try {
    return parse();
  } catch {
    return undefined;
  }
}

function spkiOrCertificateKey(der: Buffer): KeyObject | undefined {
  return (
    attempt(() => createPublicKey({ key: der, format: 'der', type: 'spki' })) ??
    attempt(() => new X509Certificate(der).publicKey)
  );
}

/**
 * Whether DER is a SEC1 ECPrivateKey (SEQUENCE { INTEGER 1, ... }) rather than PKCS#8
 * (SEQUENCE { INTEGER 0, ... }): Go's x509.ParseECPrivateKey takes only the former, while
 * OpenSSL, under Node's type 'sec1', takes both.
 */
function isSec1(der: Buffer): boolean {
  if (der[0] !== 0x30 || der.length < 2) return false;
  const lengthByte = der[1] ?? 0;
  const headerLength = lengthByte < 0x80 ? 2 : 2 + (lengthByte & 0x7f);
  return der[headerLength] === 0x02 && der[headerLength + 1] === 0x01 && der[headerLength + 2] === 0x01;
}

/**
 * The public key kube-apiserver takes from one PEM block, trying the same parsers in the
 * same order as keyutil (the block's label is ignored there too): an RSA private key
 * (PKCS#1 or PKCS#8), an RSA public key (PKIX or inside a certificate), an EC private key
 * (SEC1 only), an EC public key (PKIX or certificate). Undefined: kube skips the block.
 */
function kubePublicKeyOf(der: Buffer): KeyObject | undefined {
  const rsaPrivate =
    attempt(() => createPrivateKey({ key: der, format: 'der', type: 'pkcs1' })) ??
    attempt(() => createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }));
  if (rsaPrivate?.asymmetricKeyType === 'rsa') return createPublicKey(rsaPrivate);
  const publicKey = spkiOrCertificateKey(der);
  if (publicKey?.asymmetricKeyType === 'rsa') return publicKey;
  const ecPrivate = isSec1(der)
    ? attempt(() => createPrivateKey({ key: der, format: 'der', type: 'sec1' }))
    : undefined;
  if (ecPrivate?.asymmetricKeyType === 'ec') return createPublicKey(ecPrivate);
  if (publicKey?.asymmetricKeyType === 'ec') return publicKey;
  return undefined;
}

/**
 * Why a block kube-apiserver would skip is still a key someone meant to publish, or
 * undefined for blocks that are not keys at all ("EC PARAMETERS", certificates requests).
 * Skipping such a key silently would publish a JWKS without it.
 */
function skippedKeyProblem(block: PemBlock): string | undefined {
  if (block.hasHeaders || block.type === 'ENCRYPTED PRIVATE KEY') {
    return 'is encrypted; kube-apiserver reads only unencrypted keys';
  }
  const pkcs8 = attempt(() => createPrivateKey({ key: block.der, format: 'der', type: 'pkcs8' }));
  if (pkcs8?.asymmetricKeyType === 'ec') {
    return (
      'is a PKCS#8 EC private key, which kube-apiserver --service-account-key-file skips ' +
      '(it reads EC private keys only as SEC1 "EC PRIVATE KEY"); pass its public key instead ' +
      '(openssl pkey -in KEY -pubout)'
    );
  }
  if (pkcs8)
    return `is a ${pkcs8.asymmetricKeyType} private key; kube-apiserver signs only with RSA and ECDSA`;
  if (attempt(() => createPublicKey({ key: block.der, format: 'der', type: 'pkcs1' }))) {
    return (
      'is a PKCS#1 "RSA PUBLIC KEY", which kube-apiserver skips (it reads PKIX "PUBLIC KEY"); ' +
      'convert it with openssl rsa -RSAPublicKey_in -in KEY -pubout'
    );
  }
  const publicKey = spkiOrCertificateKey(block.der);
  if (publicKey)
    return `is a ${publicKey.asymmetricKeyType} key; kube-apiserver signs only with RSA and ECDSA`;
  return undefined;
}

/**
 * The public keys in one PEM file's text, in file order, as kube-apiserver reads them.
 * Private keys contribute only their public part. `source` names the file in errors.
 */
export function publicKeysFromPem(text: string, source: string): KeyObject[] {
  const keys: KeyObject[] = [];
  const blocks = pemBlocks(text);
  if (blocks.length > MAX_PEM_BLOCKS) {
    throw new GatewayError(
      'KEY_INVALID',
      `${source}: ${blocks.length} PEM blocks, more than ${MAX_PEM_BLOCKS}; a key file holds a few keys`,
    );
  }
  blocks.forEach((block, index) => {
    const key = kubePublicKeyOf(block.der);
    const where = `${source}: PEM block #${index + 1} ("${block.type}")`;
    if (key) {
      algOf(key, where);
      keys.push(key);
      return;
    }
    const problem = skippedKeyProblem(block);
    if (problem) throw new GatewayError('KEY_INVALID', `${where} ${problem}`);
  });
  if (keys.length === 0) {
    throw new GatewayError('KEY_INVALID', `${source}: no RSA or ECDSA key in PEM form`);
  }
  return keys;
}

/** kube-apiserver's key ID: unpadded base64url of SHA-256 over the DER SubjectPublicKeyInfo. */
export function kidOf(publicKey: KeyObject): string {
  const der = publicPart(publicKey).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64url');
}

/** The algorithm kube-apiserver advertises for a key (algorithmFromPublicKey). */
export function algOf(publicKey: KeyObject, where = 'key'): SigningAlg {
  if (publicKey.asymmetricKeyType === 'rsa') return 'RS256';
  if (publicKey.asymmetricKeyType === 'ec') {
    const curve = publicKey.asymmetricKeyDetails?.namedCurve ?? 'unknown';
    const alg = ALG_BY_CURVE[curve];
    if (alg) return alg;
    throw new GatewayError(
      'KEY_INVALID',
      `${where} is an EC key on curve ${curve}; kube-apiserver accepts P-256, P-384 and P-521`,
    );
  }
  throw new GatewayError(
    'KEY_INVALID',
    `${where} is a ${publicKey.asymmetricKeyType} key; expected RSA or EC`,
  );
}

/** The public JWK as go-jose marshals it for kube-apiserver: use, kty, kid, crv, alg, x, y, n, e. */
export function jwkOf(publicKey: KeyObject): Jwk {
  const key = publicPart(publicKey);
  const jwk = key.export({ format: 'jwk' });
  const head = { use: 'sig', kty: String(jwk.kty), kid: kidOf(key) };
  const alg = algOf(key);
  if (jwk.kty === 'RSA') return { ...head, alg, n: String(jwk.n), e: String(jwk.e) };
  return { ...head, crv: String(jwk.crv), alg, x: String(jwk.x), y: String(jwk.y) };
}

/**
 * The JWKS for these keys in order. A key listed twice (the same file given twice, or a
 * private key next to its own public key) appears once: kube-apiserver would publish it
 * twice, and a JWKS with duplicate kids is refused by every validator, ours included.
 */
export function jwksFromKeys(keys: readonly KeyObject[]): JwkSet {
  const byKid = new Map<string, Jwk>();
  for (const key of keys) {
    const jwk = jwkOf(key);
    if (!byKid.has(jwk.kid)) byKid.set(jwk.kid, jwk);
  }
  return { keys: [...byKid.values()] };
}

/** The discovery document kube-apiserver serves for this issuer and key set. */
export function discoveryFromKeys(
  issuer: string,
  jwks: JwkSet,
  jwksUri = defaultJwksUri(issuer),
): DiscoveryDocument {
  const algs = [...new Set(jwks.keys.map((key) => String(key.alg)))].sort();
  return {
    issuer,
    jwks_uri: jwksUri,
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: algs,
  };
}

/** Reads the key files (in order, as kube-apiserver concatenates repeated --service-account-key-file). */
export async function readPublicKeyFiles(paths: readonly string[]): Promise<KeyObject[]> {
  const texts = await Promise.all(
    paths.map(async (path) => {
      const bytes = await readFileOrFail(path, MAX_KEY_FILE_BYTES, {
        code: 'KEY_INVALID',
        unreadable: (reason) => `cannot read key file ${path}: ${reason}`,
        tooLarge: `key file ${path} is larger than 1 MiB, the limit for a key file; name the PEM key files themselves`,
      });
      return bytes.toString('utf8');
    }),
  );
  return texts.flatMap((text, index) => publicKeysFromPem(text, paths[index] as string));
}

/**
 * A DocumentSource that answers from key files instead of an API server, so the shared
 * fetch/validate/render path (fetchIssuerDocuments) is used unchanged. The files are read
 * once, when the source is created.
 */
export async function createKeyFileSource(paths: readonly string[], issuer: string): Promise<DocumentSource> {
  const problem = checkIssuerUrl(issuer, 'issuer');
  if (problem) throw new GatewayError('CONFIG_INVALID', `invalid --issuer: ${problem}`);
  const jwks = jwksFromKeys(await readPublicKeyFiles(paths));
  const discovery = discoveryFromKeys(issuer, jwks);
  return {
    description: `key files ${paths.join(', ')}`,
    async get(path: WellKnownPath): Promise<unknown> {
      // Copies: callers may keep or rewrite what they get, as with a parsed HTTP body.
      return structuredClone(path === DISCOVERY_PATH ? discovery : jwks);
    },
    close(): void {},
  };
}
