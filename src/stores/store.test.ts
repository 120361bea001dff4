import { describe, expect, it } from 'vitest';
import { joinKey, storeLocation } from './store.js';

describe('storeLocation', () => {
  it('names a prefix under its root, and each key under the prefix', () => {
    const { description, locate } = storeLocation('s3://bucket', 'cluster-1/a');
    expect(description).toBe('s3://bucket/cluster-1/a');
    expect(locate('openid/v1/jwks')).toBe('s3://bucket/cluster-1/a/openid/v1/jwks');
  });

  it('leaves no trailing slash for an empty prefix, and no double one for its keys', () => {
    const { description, locate } = storeLocation('az://account/$web', '');
    expect(description).toBe('az://account/$web');
    expect(locate('.well-known/openid-configuration')).toBe(
      'az://account/$web/.well-known/openid-configuration',
    );
  });
});

describe('joinKey', () => {
  it('puts the key under the prefix, or alone for an empty prefix', () => {
    expect(joinKey('c1', 'openid/v1/jwks')).toBe('c1/openid/v1/jwks');
    expect(joinKey('', 'openid/v1/jwks')).toBe('openid/v1/jwks');
  });
});
