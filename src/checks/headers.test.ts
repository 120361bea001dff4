import { describe, expect, it } from 'vitest';
import {
  checkCacheControl,
  checkContentType,
  DISCOVERY_CONTENT_TYPES,
  JWKS_CONTENT_TYPES,
  parseCacheControl,
} from './headers.js';

describe('checkContentType', () => {
  it.each([
    ['application/json', JWKS_CONTENT_TYPES],
    ['application/json; charset=utf-8', DISCOVERY_CONTENT_TYPES],
    ['Application/JSON', DISCOVERY_CONTENT_TYPES],
    ['application/jwk-set+json', JWKS_CONTENT_TYPES],
  ])('accepts %s', (contentType, accepted) => {
    expect(checkContentType('jwks-content-type', { 'content-type': contentType }, accepted).status).toBe(
      'ok',
    );
  });

  it.each([
    ['text/plain', JWKS_CONTENT_TYPES],
    ['binary/octet-stream', JWKS_CONTENT_TYPES],
    ['text/html; charset=utf-8', DISCOVERY_CONTENT_TYPES],
    ['application/jwk-set+json', DISCOVERY_CONTENT_TYPES],
    ['application/jsonp', JWKS_CONTENT_TYPES],
  ])('refuses %s', (contentType, accepted) => {
    const result = checkContentType('jwks-content-type', { 'content-type': contentType }, accepted);
    expect(result.status).toBe('fail');
    expect(result.message).toContain(contentType);
  });

  it('refuses a missing header', () => {
    expect(checkContentType('jwks-content-type', {}, JWKS_CONTENT_TYPES)).toMatchObject({
      status: 'fail',
      message: 'no Content-Type header',
    });
  });
});

describe('parseCacheControl', () => {
  it('lowercases names and unquotes values', () => {
    expect([...parseCacheControl('Public, MAX-AGE="300", s-maxage=60,,')]).toEqual([
      ['public', ''],
      ['max-age', '300'],
      ['s-maxage', '60'],
    ]);
  });
});

describe('checkCacheControl', () => {
  const check = (value: string | undefined, limit = 86400) =>
    checkCacheControl('jwks-cache-control', value === undefined ? {} : { 'cache-control': value }, limit);

  it.each(['public, max-age=300', 'max-age=86400', 'public, max-age="3600", must-revalidate'])(
    'accepts %s',
    (value) => {
      expect(check(value).status).toBe('ok');
    },
  );

  it.each([
    ['no-cache', 'no-cache'],
    ['public, max-age=300, no-store', 'no-store'],
    ['private, max-age=300', 'private'],
    ['public', 'no max-age'],
    ['max-age=0', 'max-age=0'],
    ['max-age=abc', 'not a whole number'],
    ['max-age=86401', 'over the limit of 86400'],
  ])('refuses %s', (value, reason) => {
    const result = check(value);
    expect(result.status).toBe('fail');
    expect(result.message).toContain(reason);
  });

  it('refuses a missing header', () => {
    expect(check(undefined).message).toContain('no Cache-Control header');
  });

  it('applies the limit given', () => {
    expect(check('max-age=3600', 3600).status).toBe('ok');
    expect(check('max-age=3601', 3600).status).toBe('fail');
  });
});
