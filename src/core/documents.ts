/**
 * The one fetch-and-normalize path every mode uses: fetch from the source, validate,
 * optionally re-issue under another issuer, apply the jwks_uri policy, render the exact
 * bytes and ETag.
 *
 * Re-issuing (publish --issuer with a cluster, verify --compare-cluster for another
 * issuer): a cluster moving from issuer OLD to NEW runs with --service-account-issuer=NEW
 * --service-account-issuer=OLD; its discovery document names NEW only, yet tokens carrying
 * OLD are still accepted, so OLD's relying parties need the same keys under OLD. The
 * re-issued document is the cluster's with `issuer` replaced in place and jwks_uri decided
 * by the policy for that issuer (jwks-uri.ts); every other member, and member order, stay
 * the cluster's, and the key set is not touched at all.
 */
import type { JwksUriPolicy } from './jwks-uri.js';
import { decideJwksUri, withIssuer, withJwksUri } from './jwks-uri.js';
import { renderJson } from './render.js';
import type { DocumentSource } from './source.js';
import { type DiscoveryDocument, type JwkSet, validateDiscovery, validateJwks } from './validate.js';
import { DISCOVERY_PATH, JWKS_PATH } from './well-known.js';

export interface NormalizeOptions {
  pretty: boolean;
  jwksUri: JwksUriPolicy;
}

export interface IssueOptions extends NormalizeOptions {
  /**
   * Publish the documents as this issuer rather than the one the source names. Checked as
   * any discovery document's issuer is (https, canonical): a bad one is DISCOVERY_INVALID.
   */
  reissueAs?: string | undefined;
}

export interface RenderedDiscovery {
  kind: 'discovery';
  document: DiscoveryDocument;
  body: Buffer;
  etag: string;
  /** The upstream jwks_uri when the policy replaced it. */
  jwksUriRewrittenFrom?: string;
  /** The issuer the source names, when the document was re-issued under another one. */
  reissuedFrom?: string;
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

export function normalizeDiscovery(value: unknown, options: IssueOptions): RenderedDiscovery {
  const upstream = validateDiscovery(value);
  const issuer = options.reissueAs ?? upstream.issuer;
  // Validated before anything else reads it: the jwks_uri policy parses it as a URL.
  const reissued = issuer === upstream.issuer ? upstream : validateDiscovery(withIssuer(upstream, issuer));
  const decision = decideJwksUri(upstream, options.jwksUri, issuer);
  const document = withJwksUri(reissued, decision.jwksUri);
  return {
    kind: 'discovery',
    document,
    ...renderJson(document, options),
    ...(decision.rewrittenFrom ? { jwksUriRewrittenFrom: decision.rewrittenFrom } : {}),
    ...(reissued === upstream ? {} : { reissuedFrom: upstream.issuer }),
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
  options: IssueOptions,
): Promise<RenderedDiscovery> {
  return normalizeDiscovery(await source.get(DISCOVERY_PATH), options);
}

export async function fetchJwks(
  source: DocumentSource,
  options: Pick<NormalizeOptions, 'pretty'>,
): Promise<RenderedJwks> {
  return normalizeJwks(await source.get(JWKS_PATH), options);
}

/** Both documents, fetched concurrently; either failing fails the whole. */
export async function fetchIssuerDocuments(
  source: DocumentSource,
  options: IssueOptions,
): Promise<IssuerDocuments> {
  const [discovery, jwks] = await Promise.all([fetchDiscovery(source, options), fetchJwks(source, options)]);
  return { discovery, jwks };
}
