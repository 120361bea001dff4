/**
 * The jwks_uri a relying party is told to fetch. kube-apiserver points it at its own,
 * often private, address unless --service-account-jwks-uri is set; relying parties then
 * cannot fetch the keys. This module decides what the published document says instead,
 * also for a document re-issued under another issuer, and replaces members in place (the
 * document's member order is the source's).
 */
import { GatewayError } from './errors.js';
import type { DiscoveryDocument } from './validate.js';
import { defaultJwksUri } from './well-known.js';

export type JwksUriPolicy = { mode: 'keep' } | { mode: 'auto' } | { mode: 'explicit'; url: string };

export function parseJwksUriPolicy(raw: string, name: string): JwksUriPolicy {
  if (raw === 'keep' || raw === 'auto') return { mode: raw };
  const url = URL.parse(raw);
  if (url === null) {
    throw new GatewayError('CONFIG_INVALID', `invalid ${name}: "${raw}" is not keep, auto or an https URL`);
  }
  if (url.protocol !== 'https:') {
    throw new GatewayError('CONFIG_INVALID', `invalid ${name}: "${raw}" is not an https URL`);
  }
  return { mode: 'explicit', url: url.href };
}

export interface JwksUriDecision {
  jwksUri: string;
  /**
   * Set only when `auto` moved a jwks_uri that was off the issuer's origin: the caller warns
   * about that once. An explicit --jwks-uri replaces the value as asked, without a warning.
   */
  rewrittenFrom?: string;
}

/**
 * The jwks_uri to publish for `discovery` as `issuer`: its own issuer, or another one it is
 * re-issued under (a cluster migrating between issuers, documents.ts). `keep` and an
 * explicit URL mean the same either way. `auto` on a re-issued document keeps the source's
 * jwks_uri only when it lies under the issuer published, else that issuer's default: the
 * source's jwks_uri belongs to the source's issuer (NEW's keys for NEW's relying parties),
 * and a relying party of the other issuer then finds the keys next to its own discovery
 * document. That move is the point of re-issuing, so it is no rewrite to warn about.
 */
export function decideJwksUri(
  discovery: DiscoveryDocument,
  policy: JwksUriPolicy,
  issuer: string = discovery.issuer,
): JwksUriDecision {
  const upstream = discovery.jwks_uri;
  switch (policy.mode) {
    case 'keep':
      return { jwksUri: upstream };
    case 'explicit':
      return { jwksUri: policy.url };
    case 'auto': {
      if (issuer !== discovery.issuer)
        return { jwksUri: isUnderIssuer(upstream, issuer) ? upstream : defaultJwksUri(issuer) };
      if (new URL(upstream).origin === new URL(issuer).origin) return { jwksUri: upstream };
      return { jwksUri: defaultJwksUri(issuer), rewrittenFrom: upstream };
    }
  }
}

/**
 * Whether `url` names something below `issuer` (same origin, a path under the issuer's, no
 * query): what a destination whose prefix stands for the issuer can serve.
 */
export function isUnderIssuer(url: string, issuer: string): boolean {
  const target = new URL(url);
  const base = new URL(issuer);
  const basePath = base.pathname.replace(/\/+$/, '');
  return target.origin === base.origin && target.pathname.startsWith(`${basePath}/`) && target.search === '';
}

/** A copy of the document with jwks_uri replaced in place, so member order is kept. */
export function withJwksUri(discovery: DiscoveryDocument, jwksUri: string): DiscoveryDocument {
  return withMember(discovery, 'jwks_uri', jwksUri);
}

/** A copy of the document with the issuer replaced in place, so member order is kept. */
export function withIssuer(discovery: DiscoveryDocument, issuer: string): DiscoveryDocument {
  return withMember(discovery, 'issuer', issuer);
}

function withMember(
  discovery: DiscoveryDocument,
  name: 'issuer' | 'jwks_uri',
  text: string,
): DiscoveryDocument {
  if (discovery[name] === text) return discovery;
  const copy: Record<string, unknown> = {};
  for (const [member, value] of Object.entries(discovery)) copy[member] = member === name ? text : value;
  return copy as DiscoveryDocument;
}
