import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKubeCluster } from './kubeconfig-source.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kubeconfig-source-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A kubeconfig with contexts `prd` and `staging`, and `current` as current-context (none when undefined). */
async function kubeconfig(current: string | undefined, clusterOfPrd = 'prd'): Promise<string> {
  const path = join(dir, `${current ?? 'none'}-${clusterOfPrd}.yaml`);
  await writeFile(
    path,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- { name: prd, cluster: { server: "https://prd.example:6443" } }',
      '- { name: staging, cluster: { server: "https://staging.example:6443" } }',
      'users: [{ name: u, user: { token: t } }]',
      'contexts:',
      `- { name: prd, context: { cluster: ${clusterOfPrd}, user: u } }`,
      '- { name: staging, context: { cluster: staging, user: u } }',
      ...(current ? [`current-context: ${current}`] : []),
    ].join('\n'),
  );
  return path;
}

describe('loadKubeCluster', () => {
  it('takes the current context, or --context', async () => {
    const path = await kubeconfig('prd');
    expect(loadKubeCluster({ kubeconfig: [path] }).server.href).toBe('https://prd.example:6443/');
    expect(loadKubeCluster({ kubeconfig: [path], context: 'staging' }).server.href).toBe(
      'https://staging.example:6443/',
    );
  });

  it('names a --context the file lacks, with the nearest context it has', async () => {
    const path = await kubeconfig('prd');
    expect(() => loadKubeCluster({ kubeconfig: [path], context: 'dev' })).toThrow(
      `kubeconfig ${path} has no context "dev"; name one of its contexts with --context (kubectl config get-contexts lists them)`,
    );
    expect(() => loadKubeCluster({ kubeconfig: [path], context: 'prod' })).toThrow(
      expect.objectContaining({
        code: 'KUBECONFIG_INVALID',
        message: `kubeconfig ${path} has no context "prod"; did you mean --context prd?`,
      }),
    );
  });

  it('says when the file has no current-context, or the context no cluster', async () => {
    const none = await kubeconfig(undefined);
    expect(() => loadKubeCluster({ kubeconfig: [none] })).toThrow(
      `kubeconfig ${none} has no current-context; name one of its contexts with --context`,
    );
    const dangling = await kubeconfig('prd', 'gone');
    expect(() => loadKubeCluster({ kubeconfig: [dangling] })).toThrow(
      `kubeconfig ${dangling} has no cluster for context "prd"; name one of its contexts with --context`,
    );
  });
});
