import { describe, expect, it } from 'vitest';
import { parseDestination } from './destination.js';

function errorOf(fn: () => unknown): { code?: string; message: string } {
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
    ['file:///srv/oidc', { kind: 'folder', path: '/srv/oidc', description: '/srv/oidc' }],
    ['/srv/oidc/', { kind: 'folder', path: '/srv/oidc', description: '/srv/oidc' }],
  ])('%s', (raw, expected) => {
    expect(parseDestination(raw)).toEqual(expected);
  });

  it('resolves a relative folder against the working directory', () => {
    expect(parseDestination('public')).toMatchObject({ kind: 'folder', path: `${process.cwd()}/public` });
  });

  it.each([
    ['ftp://host/x', 'is not s3://bucket/prefix, gs://bucket/prefix, a folder path or a file:// URL'],
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
