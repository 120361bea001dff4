/**
 * The relying parties whose documented limits can be checked (`--provider`), in the order
 * their checks are reported. A module of its own: verify's and publish's setting tables
 * name the choices, and registering a command (on every CLI start) must not load the rules.
 */
export const PROVIDERS = ['aws', 'gcp', 'azure'] as const;

export type Provider = (typeof PROVIDERS)[number];

/**
 * AWS STS gives up on an identity provider whose documents take longer than this to
 * answer (AWS re:Post, "InvalidIdentityToken": "latency of more than 5 seconds").
 */
export const AWS_STS_FETCH_LIMIT_MS = 5000;
