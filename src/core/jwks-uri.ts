/**
 * The jwks_uri a relying party is told to fetch. kube-apiserver points it at its own,
 * often private, address unless --service-account-jwks-uri is set; relying parties then
 * cannot fetch the keys. This module decides what the published document says instead.
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

export function decideJwksUri(discovery: DiscoveryDocument, policy: JwksUriPolicy): JwksUriDecision {
  const upstream = discovery.jwks_uri;
  switch (policy.mode) {
    case 'keep':
      return { jwksUri: upstream };
    case 'explicit':
      return { jwksUri: policy.url };
    case 'auto': {
      if (new URL(upstream).origin === new URL(discovery.issuer).origin) return { jwksUri: upstream };
      return { jwksUri: defaultJwksUri(discovery.issuer), rewrittenFrom: upstream };
    }
  }
}

/** A copy of the document with jwks_uri replaced in place, so member order is kept. */
export function withJwksUri(discovery: DiscoveryDocument, jwksUri: string): DiscoveryDocument {
  if (discovery.jwks_uri === jwksUri) return discovery;
  const copy: Record<string, unknown> = {};
  for (const [member, value] of Object.entries(discovery))
    copy[member] = member === 'jwks_uri' ? jwksUri : value;
  return copy as DiscoveryDocument;
}
