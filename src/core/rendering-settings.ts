/**
 * How every mode renders the documents: indentation and the jwks_uri policy. A table and its
 * resolver in one module: every frontend shares them.
 */
import type { NormalizeOptions } from './documents.js';
import { type JwksUriPolicy, parseJwksUriPolicy } from './jwks-uri.js';
import * as kind from './setting-kinds.js';
import { type Env, type GivenFlags, resolveSettings, setting } from './setting-table.js';

const jwksUriPolicy = kind.parsed<JwksUriPolicy>(
  'keep, auto or an https URL',
  parseJwksUriPolicy,
  (policy) => (policy.mode === 'explicit' ? policy.url : policy.mode),
);

export const renderingSettings = {
  prettyPrintJson: setting({
    flag: 'pretty-print-json',
    env: 'PRETTY_PRINT_JSON',
    describe: 'Pretty-print the documents (2-space indent)',
    kind: kind.boolean(),
    default: true,
  }),
  jwksUri: setting({
    flag: 'jwks-uri',
    env: 'JWKS_URI',
    describe:
      'jwks_uri in the discovery document: keep, auto (rewrite a jwks_uri off the issuer origin) or an https URL',
    kind: jwksUriPolicy,
    default: { mode: 'auto' },
  }),
};

export function resolveRendering(argv: GivenFlags, env: Env): NormalizeOptions {
  const s = resolveSettings(renderingSettings, argv, env);
  return { pretty: s.prettyPrintJson, jwksUri: s.jwksUri };
}
