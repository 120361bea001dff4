import { describe, expect, it } from 'vitest';
import { parseDestination } from './destination.js';

function errorOf(fn: () => unknown): { code: string | undefined; message: string } {
  try {
    fn();
  } catch (error) {
    return { code: (error as { code?: string }).code, message: (error as Error).message };
  }
  throw new Error('expected a throw');
}

describe('parseDestination', () => {
  it.each([
    [
      's3://bucket/cluster-1',
      { kind: 's3', bucket: 'bucket', prefix: 'cluster-1', description: 's3://bucket/cluster-1' },
    ],
    ['s3://bucket/a/b/', { kind: 's3', bucket: 'bucket', prefix: 'a/b', description: 's3://bucket/a/b' }],
    ['s3://my.bucket', { kind: 's3', bucket: 'my.bucket', prefix: '', description: 's3://my.bucket' }],
    ['gs://bucket_1/x', { kind: 'gcs', bucket: 'bucket_1', prefix: 'x', description: 'gs://bucket_1/x' }],
    [
      'az://account1/oidc/cluster-1/',
      {
        kind: 'azure',
        account: 'account1',
        container: 'oidc',
        prefix: 'cluster-1',
        description: 'az://account1/oidc/cluster-1',
      },
    ],
    [
      'az://acc/$web',
      { kind: 'azure', account: 'acc', container: '$web', prefix: '', description: 'az://acc/$web' },
    ],
    [
      'az://devstoreaccount1/a-b/x/y',
      {
        kind: 'azure',
        account: 'devstoreaccount1',
        container: 'a-b',
        prefix: 'x/y',
        description: 'az://devstoreaccount1/a-b/x/y',
      },
    ],
    ['file:///srv/oidc', { kind: 'folder', path: '/srv/oidc', description: '/srv/oidc' }],
    ['/srv/oidc/', { kind: 'folder', path: '/srv/oidc', description: '/srv/oidc' }],
  ])('%s', (raw, expected) => {
    expect(parseDestination(raw)).toEqual(expected);
  });

  it('resolves a relative folder against the working directory', () => {
    expect(parseDestination('public')).toMatchObject({ kind: 'folder', path: `${process.cwd()}/public` });
  });

  it.each([
    [
      'ftp://host/x',
      'is not s3://bucket/prefix, gs://bucket/prefix, az://account/container/prefix, a folder path or a file:// URL',
    ],
    ['az://Account/c/x', 'invalid storage account name "Account" (3-24 lowercase letters and digits)'],
    ['az://ab/cont/x', 'invalid storage account name "ab"'],
    ['az://account', 'names no container: az://account/container/prefix'],
    ['az://account/', 'names no container'],
    ['az://account/a--b/x', 'invalid container name "a--b"'],
    ['az://account/-ab/x', 'invalid container name "-ab"'],
    ['az://account/ab-/x', 'invalid container name "ab-"'],
    ['az://account/ab/x', 'invalid container name "ab"'],
    [`az://account/${'c'.repeat(64)}`, 'invalid container name'],
    ['az://account/$root/x', 'invalid container name "$root"'],
    ['az://account/$logs/x', 'invalid container name "$logs"'],
    ['az://account/c0n/a/../b', 'empty, "." or ".." segment'],
    ['az://account/c0n/x#y', 'no query or fragment'],
    ['https://bucket.s3.amazonaws.com/x', 'is not s3://bucket/prefix'],
    ['s3://', 'invalid bucket name ""'],
    ['s3://Bucket/x', 'invalid bucket name "Bucket"'],
    ['s3://bucket/a//b', 'empty, "." or ".." segment'],
    ['gs://bucket/../x', 'empty, "." or ".." segment'],
    ['s3://bucket/x?versionId=1', 'no query or fragment'],
    ['file://host/x', 'not a valid file:// URL'],
    ['  ', 'is empty'],
  ])('refuses %j naming the problem', (raw, expected) => {
    const error = errorOf(() => parseDestination(raw, 'PUBLISH_DEST'));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('invalid PUBLISH_DEST');
    expect(error.message).toContain(expected);
  });
});
