/**
 * The one fetch-and-normalize path every mode uses: fetch from the source, validate,
 * apply the jwks_uri policy, render the exact bytes and ETag.
 */
import type { JwksUriPolicy } from './jwks-uri.js';
import { decideJwksUri, withJwksUri } from './jwks-uri.js';
import { renderJson } from './render.js';
import type { DocumentSource } from './source.js';
import { type DiscoveryDocument, type JwkSet, validateDiscovery, validateJwks } from './validate.js';
import { DISCOVERY_PATH, JWKS_PATH } from './well-known.js';

export interface NormalizeOptions {
  pretty: boolean;
  jwksUri: JwksUriPolicy;
}

export interface RenderedDiscovery {
  kind: 'discovery';
  document: DiscoveryDocument;
  body: Buffer;
  etag: string;
  /** The upstream jwks_uri when the policy replaced it. */
  jwksUriRewrittenFrom?: string;
}

export interface RenderedJwks {
  kind: 'jwks';
  document: JwkSet;
  body: Buffer;
  etag: string;
  kids: string[];
}

export type RenderedDocument = RenderedDiscovery | RenderedJwks;

export interface IssuerDocuments {
  discovery: RenderedDiscovery;
  jwks: RenderedJwks;
}

export function normalizeDiscovery(value: unknown, options: NormalizeOptions): RenderedDiscovery {
  const upstream = validateDiscovery(value);
  const decision = decideJwksUri(upstream, options.jwksUri);
  const document = withJwksUri(upstream, decision.jwksUri);
  return {
    kind: 'discovery',
    document,
    ...renderJson(document, options),
    ...(decision.rewrittenFrom ? { jwksUriRewrittenFrom: decision.rewrittenFrom } : {}),
  };
}

export function normalizeJwks(value: unknown, options: Pick<NormalizeOptions, 'pretty'>): RenderedJwks {
  const document = validateJwks(value);
  return {
    kind: 'jwks',
    document,
    ...renderJson(document, options),
    kids: document.keys.map((key) => key.kid),
  };
}

export async function fetchDiscovery(
  source: DocumentSource,
  options: NormalizeOptions,
): Promise<RenderedDiscovery> {
  return normalizeDiscovery(await source.get(DISCOVERY_PATH), options);
}

export async function fetchJwks(source: DocumentSource, options: NormalizeOptions): Promise<RenderedJwks> {
  return normalizeJwks(await source.get(JWKS_PATH), options);
}

/** Both documents, fetched concurrently; either failing fails the whole. */
export async function fetchIssuerDocuments(
  source: DocumentSource,
  options: NormalizeOptions,
): Promise<IssuerDocuments> {
  const [discovery, jwks] = await Promise.all([fetchDiscovery(source, options), fetchJwks(source, options)]);
  return { discovery, jwks };
}
