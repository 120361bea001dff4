/**
 * The check engine's defaults, in a module of their own: verify's flag table shows them,
 * and registering the command (on every CLI start) must not load the checks.
 */
export const DEFAULT_MAX_AGE_LIMIT_SECONDS = 86400;
export const DEFAULT_TIMEOUT_SECONDS = 10;
