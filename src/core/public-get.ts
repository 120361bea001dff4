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

/** Passing `ca` replaces Node's roots, so an extra CA must be given together with them. */
export function trustWithExtraCa(extraCa: string | Buffer): string[] {
  return [...tls.rootCertificates, extraCa.toString()];
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
        ? { ca: trustWithExtraCa(options.extraCa) }
        : {}),
    },
  });
  return { url, ...response };
}
