import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayError } from './errors.js';
import { checkKubeconfigsReadable } from './kubeconfig-files.js';

let dir: string;
let readable: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kubeconfig-files-'));
  readable = join(dir, 'config');
  await writeFile(readable, 'apiVersion: v1\n');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function failureOf(files: string[]): Promise<GatewayError> {
  const error = await checkKubeconfigsReadable(files).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof GatewayError)) throw new Error(`expected a GatewayError, got ${String(error)}`);
  return error;
}

describe('checkKubeconfigsReadable', () => {
  it('passes files it can read, whatever they hold (the loader judges that)', async () => {
    const empty = join(dir, 'empty');
    await writeFile(empty, '');
    await expect(checkKubeconfigsReadable([readable, empty])).resolves.toBeUndefined();
  });

  it('names a missing file, as a usage error', async () => {
    const missing = join(dir, 'missing');
    const error = await failureOf([readable, missing]);
    expect(error.code).toBe('KUBECONFIG_INVALID');
    expect(error.message).toBe(`cannot read kubeconfig ${missing}: no such file or directory (ENOENT)`);
  });

  it('names a directory, which opens but cannot be read', async () => {
    const error = await failureOf([dir]);
    expect(error.message).toBe(`cannot read kubeconfig ${dir}: is a directory, not a file (EISDIR)`);
  });
});
