/**
 * One anonymous GET, as a relying party (AWS STS, GCP) makes it: no credentials, no
 * redirects followed, bounded in time and size. Unlike getJson it returns the status,
 * headers and exact bytes, because whoever checks a public issuer must judge those too.
 */
import type { IncomingHttpHeaders } from 'node:http';
import tls from 'node:tls';
import { readFileOrFail } from './bounded-file.js';
import { boundedGet } from './bounded-get.js';
import { GatewayError } from './errors.js';

export interface PublicGetOptions {
  url: URL;
  timeoutMs: number;
  /** PEM of a CA to trust in addition to the bundled roots (a private test setup). */
  extraCa?: string | Buffer | undefined;
  maxBytes?: number;
}

export interface PublicResponse {
  url: URL;
  status: number;
  headers: IncomingHttpHeaders;
  /** The body as received; empty for a redirect, whose body nobody reads. */
  body: Buffer;
}

/** A CA bundle is a few hundred KiB at most (the whole Mozilla store is about 220 KiB). */
const MAX_CA_BYTES = 1024 * 1024;

/**
 * The PEM of a `--ca` file, read with a size cap (the path may name /dev/zero); a missing,
 * oversized or non-PEM file is a usage error naming the flag.
 */
export async function readExtraCa(path: string, name = '--ca'): Promise<string> {
  const bytes = await readFileOrFail(path, MAX_CA_BYTES, {
    code: 'CONFIG_INVALID',
    unreadable: (reason) => `invalid ${name}: cannot read ${path}: ${reason}`,
    tooLarge: `invalid ${name}: ${path} is larger than 1 MiB: not a CA bundle`,
  });
  const pem = bytes.toString('utf8');
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new GatewayError('CONFIG_INVALID', `invalid ${name}: ${path} holds no PEM certificate`);
  }
  return pem;
}

/** The last extra CA and the TLS context that trusts it on top of the roots. */
let lastTrust: { extraCa: string; context: tls.SecureContext } | undefined;

/**
 * A TLS context trusting the bundled roots and `extraCa`. Passing `ca` replaces Node's roots,
 * so the extra CA goes in together with them; building that parses about 140 certificates
 * (6 to 8 ms of CPU), and a run checks many URLs with the one `--ca`, so the context is kept
 * for as long as the same CA text is asked for. One entry: nothing grows, and a context is
 * only ever used for the exact CA it was built with.
 */
export function contextTrusting(extraCa: string | Buffer): tls.SecureContext {
  const pem = extraCa.toString();
  if (lastTrust?.extraCa !== pem) {
    lastTrust = { extraCa: pem, context: tls.createSecureContext({ ca: [...tls.rootCertificates, pem] }) };
  }
  return lastTrust.context;
}

export async function getPublic(options: PublicGetOptions): Promise<PublicResponse> {
  const { url } = options;
  const response = await boundedGet({
    url,
    timeoutMs: options.timeoutMs,
    maxBytes: options.maxBytes,
    stopAtRedirect: true,
    requestOptions: {
      // A fresh connection per request: nothing is shared with another caller's trust settings.
      agent: false,
      headers: { accept: 'application/json', 'user-agent': 'kube-oidc-gateway' },
      ...(options.extraCa !== undefined && url.protocol === 'https:'
        ? { secureContext: contextTrusting(options.extraCa) }
        : {}),
    },
  });
  return { url, ...response };
}
