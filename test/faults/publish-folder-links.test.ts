/**
 * A folder destination never reads or writes outside its real path (issue 7, item 9):
 * a symbolic link below it, to a directory (openid/, .well-known/, .kube-oidc-gateway/)
 * or in place of a file, is refused with one line naming it, and the place it points to
 * stays untouched. The destination itself may be a link: what it names is the folder.
 */
import { generateKeyPairSync } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resolvePublishConfig } from '../../src/publish/config.js';
import { publishFailure, runPublish } from '../../src/publish/run.js';
import { createFolderStore } from '../../src/stores/fs.js';
import { captureIo } from '../publish.support.js';

const ISSUER = 'https://oidc.example.com/cluster-1';
const PUT = { contentType: 'application/json', cacheControl: 'no-cache', sha256: '"x"', publicRead: false };

let dir: string;
let keyFile: string;
let dest: string;
let outside: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kog-folder-links-'));
  keyFile = join(dir, 'sa.pub');
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  await writeFile(keyFile, publicKey.export({ type: 'spki', format: 'pem' }));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  const case_ = await mkdtemp(join(dir, 'case-'));
  dest = join(case_, 'public');
  outside = join(case_, 'outside');
  await mkdir(outside);
  await writeFile(join(outside, 'precious'), 'not to be touched');
});

async function publish(to = dest) {
  const { io, out } = captureIo();
  const config = resolvePublishConfig({ dest: [to], 'from-keys': [keyFile], issuer: ISSUER }, {});
  const report = await runPublish(config, io);
  return { report, error: publishFailure(report), ...out };
}

/** Every entry below a directory, links not followed, as relative paths. */
async function tree(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries.map((entry) => relative(root, join(entry.parentPath, entry.name))).sort();
}

describe('a folder destination with a symbolic link inside', () => {
  it.each([
    ['openid', 'openid'],
    ['openid/v1', 'openid/v1'],
    ['.well-known', '.well-known'],
    ['.kube-oidc-gateway', '.kube-oidc-gateway'],
  ])('%s/ linked outside: refused before any write, the outside untouched', async (link) => {
    await mkdir(join(dest, link, '..'), { recursive: true });
    await symlink(outside, join(dest, link));
    const before = await tree(dest);
    const run = await publish();
    expect(run.error?.code).toBe('STORE_READ_FAILED');
    expect(run.error?.message).toBe(
      `${join(dest, link)} is a symbolic link; publish follows no link inside a folder destination ` +
        '(replace it with the real directory or file, or make the destination the link target)',
    );
    expect(await tree(outside)).toEqual(['precious']);
    expect(await tree(dest)).toEqual(before);
  });

  it.each([
    ['the JWKS', 'openid/v1/jwks'],
    ['the discovery document', '.well-known/openid-configuration'],
    ['the state', '.kube-oidc-gateway/state.json'],
  ])(
    '%s itself a link to a file outside: refused, the file neither read nor replaced through it',
    async (_what, key) => {
      expect((await publish()).error).toBeUndefined();
      await rm(join(dest, key));
      await symlink(join(outside, 'precious'), join(dest, key));
      const run = await publish();
      expect(run.error?.code).toBe('STORE_READ_FAILED');
      expect(run.error?.message).toContain(`${join(dest, key)} is a symbolic link; publish follows no link`);
      expect(await readFile(join(outside, 'precious'), 'utf8')).toBe('not to be touched');
      expect((await lstat(join(dest, key))).isSymbolicLink()).toBe(true);
    },
  );

  it('a link that appears after the reads is refused by the write too', async () => {
    const store = createFolderStore(dest);
    expect(await store.get('openid/v1/jwks')).toBeUndefined();
    await mkdir(dest, { recursive: true });
    await symlink(outside, join(dest, 'openid'));
    await expect(store.put('openid/v1/jwks', Buffer.from('{}'), PUT)).rejects.toMatchObject({
      code: 'STORE_WRITE_FAILED',
      message: expect.stringContaining(`${join(dest, 'openid')} is a symbolic link`),
    });
    expect(await tree(outside)).toEqual(['precious']);
  });

  it('a FIFO in place of the state is refused at once, not waited on', async () => {
    expect((await publish()).error).toBeUndefined();
    const state = join(dest, '.kube-oidc-gateway/state.json');
    await rm(state);
    const { execFileSync } = await import('node:child_process');
    execFileSync('mkfifo', [state]);
    const run = await publish();
    expect(run.error?.code).toBe('STORE_READ_FAILED');
    expect(run.error?.message).toBe(`cannot read ${state}: not a regular file`);
  });

  it('the destination itself may be a link: the files go to what it names', async () => {
    const real = join(outside, 'site');
    await mkdir(real);
    await mkdir(join(dest, '..'), { recursive: true });
    await symlink(real, dest);
    const run = await publish();
    expect(run.error).toBeUndefined();
    expect(await tree(real)).toEqual([
      '.kube-oidc-gateway',
      '.kube-oidc-gateway/state.json',
      '.well-known',
      '.well-known/openid-configuration',
      'openid',
      'openid/v1',
      'openid/v1/jwks',
    ]);
  });
});
