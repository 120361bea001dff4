/**
 * The two response headers a relying party depends on: a JSON Content-Type (some refuse
 * anything else) and a Cache-Control that lets them cache the keys, but not for so long
 * that a key rotation takes days to reach them.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { type CheckName, type CheckResult, fail, ok } from './result.js';

export const DISCOVERY_CONTENT_TYPES = ['application/json'] as const;
/** RFC 7517 registers application/jwk-set+json; kube-apiserver serves the JWKS with it. */
export const JWKS_CONTENT_TYPES = ['application/json', 'application/jwk-set+json'] as const;

/** Directives that stop a shared or a client cache from keeping the document. */
const UNCACHEABLE_DIRECTIVES = ['no-cache', 'no-store', 'private'] as const;

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

export function checkContentType(
  check: CheckName,
  headers: IncomingHttpHeaders,
  accepted: readonly string[],
): CheckResult {
  const raw = single(headers['content-type']);
  if (raw === undefined || raw.trim() === '') return fail(check, 'no Content-Type header');
  const mediaType = (raw.split(';')[0] ?? '').trim().toLowerCase();
  if (accepted.includes(mediaType)) return ok(check, raw);
  return fail(check, `"${raw}" is not ${accepted.join(' or ')}`);
}

/** Directive names lowercased, values unquoted; a directive without a value maps to ''. */
export function parseCacheControl(value: string): Map<string, string> {
  const directives = new Map<string, string>();
  for (const part of value.split(',')) {
    const [name = '', ...rest] = part.split('=');
    const key = name.trim().toLowerCase();
    if (key === '') continue;
    directives.set(
      key,
      rest
        .join('=')
        .trim()
        .replace(/^"(.*)"$/, '$1'),
    );
  }
  return directives;
}

export function checkCacheControl(
  check: CheckName,
  headers: IncomingHttpHeaders,
  maxAgeLimitSeconds: number,
): CheckResult {
  const raw = single(headers['cache-control']);
  if (raw === undefined || raw.trim() === '') {
    return fail(
      check,
      'no Cache-Control header; relying parties may refetch on every token or cache at will',
    );
  }
  const directives = parseCacheControl(raw);
  const forbidden = UNCACHEABLE_DIRECTIVES.filter((name) => directives.has(name));
  if (forbidden.length > 0) return fail(check, `"${raw}" forbids caching (${forbidden.join(', ')})`);
  const maxAge = directives.get('max-age');
  if (maxAge === undefined) return fail(check, `"${raw}" has no max-age`);
  if (!/^\d+$/.test(maxAge)) return fail(check, `"${raw}": max-age is not a whole number`);
  const seconds = Number(maxAge);
  if (seconds === 0) return fail(check, `"${raw}": max-age=0 makes every relying party refetch`);
  if (seconds > maxAgeLimitSeconds) {
    return fail(
      check,
      `"${raw}": max-age ${seconds} s is over the limit of ${maxAgeLimitSeconds} s (--max-age-limit); a new key would take that long to be seen`,
    );
  }
  return ok(check, raw);
}
