/**
 * Whether a URL is written the way a WHATWG URL parser (every relying party's, and Node's)
 * writes it back. An issuer is compared byte for byte with a token's `iss`, so an issuer
 * such as `https://h/a/../c1`, `https://H/c1`, `https:///c1` or an IDN host that parsers
 * turn into punycode names a different URL than the one the documents are fetched from
 * and relying parties end up configured with. Kept apart from validate.ts so flag parsing
 * can use it without loading the validation.
 */

/**
 * The canonical form of `value` when it is not already written so, else undefined. A bare
 * origin is the one exception: `https://h` reads as `https://h/`, and OIDC Discovery
 * builds the same URLs from both.
 */
export function canonicalFormIfDifferent(value: string, url: URL = new URL(value)): string | undefined {
  if (url.href === value || (url.pathname === '/' && url.href === `${value}/`)) return undefined;
  return url.href;
}

/** `<what> "<value>" is not canonical; did you mean "<href>"?`, or undefined when it is canonical. */
export function nonCanonicalUrlProblem(value: string, what: string, url?: URL): string | undefined {
  const canonical = canonicalFormIfDifferent(value, url);
  return canonical === undefined
    ? undefined
    : `${what} "${value}" is not canonical; did you mean "${canonical}"?`;
}
