/**
 * deploy/cronjob renders with kubectl's kustomize, base and overlays, and what it renders is
 * what docs/how-to/publish-in-cluster.md promises: the schedule and job limits, the hardened securityContext,
 * the least-privilege ClusterRole, and environment values the CLI accepts.
 */
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { resolvePublishConfig } from '../src/publish/config.js';
import { needing } from './support/tools.js';

const run = promisify(execFile);
const ROOT = new URL('../deploy/cronjob/', import.meta.url).pathname;

async function kustomize(dir: string): Promise<string[]> {
  const { stdout } = await run('kubectl', ['kustomize', dir]);
  return stdout.split(/^---$/m);
}

function documentOf(documents: string[], kind: string): string {
  const found = documents.filter((doc) => new RegExp(`^kind: ${kind}$`, 'm').test(doc));
  expect(found, kind).toHaveLength(1);
  return found[0] as string;
}

/** The container's environment, as `name: value` pairs in the rendered YAML. */
function envOf(cronJob: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const match of cronJob.matchAll(/- name: (\S+)\n\s+value: (.+)/g)) {
    env[match[1] as string] = (match[2] as string).replace(/^["']|["']$/g, '');
  }
  return env;
}

const suite = needing('kubectl', 'deploy/cronjob');

describe.skipIf(suite.missing)(suite.name, () => {
  let base: string[];
  let s3: string[];
  let gcs: string[];
  let azure: string[];
  let oldIssuer: string[];
  let alternatives: string;

  beforeAll(async () => {
    [base, s3, gcs, azure, oldIssuer] = await Promise.all([
      kustomize(ROOT),
      kustomize(join(ROOT, 'overlays/s3')),
      kustomize(join(ROOT, 'overlays/gcs')),
      kustomize(join(ROOT, 'overlays/azure')),
      kustomize(join(ROOT, 'overlays/old-issuer')),
    ]);
    // The documented alternatives (not EKS, not GKE, no Azure webhook): a copy of each overlay with the other patch.
    alternatives = await mkdtemp(join(tmpdir(), 'kog-cronjob-'));
    await cp(join(ROOT, 'base'), join(alternatives, 'base'), { recursive: true });
    await cp(join(ROOT, 'overlays'), join(alternatives, 'overlays'), { recursive: true });
    for (const [overlay, from, to] of [
      ['s3', 'irsa.yaml', 'web-identity.yaml'],
      ['gcs', 'workload-identity.yaml', 'workload-identity-federation.yaml'],
      ['azure', 'workload-identity.yaml', 'federated-token.yaml'],
    ] as const) {
      const file = join(alternatives, 'overlays', overlay, 'kustomization.yaml');
      await writeFile(file, (await readFile(file, 'utf8')).replace(`- path: ${from}`, `- path: ${to}`));
    }
    // The old-issuer overlay built on the GCS or Azure one, as its header says to do.
    for (const [overlay, dest] of [
      ['gcs', 'gs://my-oidc-bucket/cluster-1'],
      ['azure', 'az://myoidcaccount/$web/cluster-1'],
    ] as const) {
      const dir = join(alternatives, 'overlays', `old-issuer-${overlay}`);
      await cp(join(ROOT, 'overlays/old-issuer'), dir, { recursive: true });
      const kustomization = join(dir, 'kustomization.yaml');
      await writeFile(
        kustomization,
        (await readFile(kustomization, 'utf8')).replace('- ../s3', `- ../${overlay}`),
      );
      const patch = join(dir, 'old-issuer.yaml');
      await writeFile(patch, (await readFile(patch, 'utf8')).replace('s3://my-oidc-bucket/cluster-1', dest));
    }
  });
  afterAll(() => rm(alternatives, { recursive: true, force: true }));

  it('renders a CronJob every 5 minutes, one run at a time, with history limits and a deadline', () => {
    const cronJob = documentOf(base, 'CronJob');
    expect(cronJob).toContain("schedule: '*/5 * * * *'");
    expect(cronJob).toContain('concurrencyPolicy: Forbid');
    expect(cronJob).toMatch(/successfulJobsHistoryLimit: \d+/);
    expect(cronJob).toMatch(/failedJobsHistoryLimit: \d+/);
    expect(cronJob).toMatch(/activeDeadlineSeconds: \d+/);
    expect(cronJob).toContain('image: ghcr.io/kube-oidc-gateway/kube-oidc-gateway:0.1.0');
    expect(cronJob).toMatch(/args:\n\s+- publish\n/);
    expect(cronJob).toContain('serviceAccountName: kube-oidc-gateway-publish');
    expect(cronJob).toContain('namespace: kube-oidc-gateway');
  });

  it('runs hardened: non-root 65532, read-only root filesystem, no privilege escalation, no capabilities, RuntimeDefault seccomp', () => {
    const container = documentOf(base, 'CronJob').split('containers:')[1] as string;
    const hardened = container.slice(container.indexOf('securityContext:'));
    for (const line of [
      'allowPrivilegeEscalation: false',
      'readOnlyRootFilesystem: true',
      'runAsNonRoot: true',
      'runAsUser: 65532',
      'runAsGroup: 65532',
      'type: RuntimeDefault',
    ]) {
      expect(hardened).toContain(line);
    }
    expect(hardened).toMatch(/capabilities:\n\s+drop:\n\s+- ALL\n/);
    expect(documentOf(base, 'Namespace')).toContain('pod-security.kubernetes.io/enforce: restricted');
  });

  it('grants get on the two discovery URLs and nothing else', () => {
    const role = documentOf(base, 'ClusterRole');
    expect(role).toMatch(
      /rules:\n- nonResourceURLs:\n {2}- \/\.well-known\/openid-configuration\n {2}- \/openid\/v1\/jwks\n {2}verbs:\n {2}- get\n/,
    );
    expect(role).not.toMatch(/resources:|apiGroups:|\*/);
    expect(documentOf(base, 'ClusterRoleBinding')).toMatch(
      /name: kube-oidc-gateway-publish\n\s+namespace: kube-oidc-gateway/,
    );
  });

  it('sets no destination in the base, and one the CLI accepts in each overlay', () => {
    expect(envOf(documentOf(base, 'CronJob')).PUBLISH_DEST).toBeUndefined();
    expect(() => resolvePublishConfig({}, envOf(documentOf(base, 'CronJob')))).toThrow('no destination');
    for (const [documents, scheme] of [
      [s3, 's3'],
      [gcs, 'gcs'],
      [azure, 'azure'],
    ] as const) {
      const config = resolvePublishConfig({}, envOf(documentOf(documents, 'CronJob')));
      expect(config.destinations.map((d) => d.kind)).toEqual([scheme]);
      expect(config.retainMs).toBe(86_400_000);
      expect(config.checkPublicUrls).toHaveLength(1);
    }
  });

  it('binds the cloud identity to the ServiceAccount: IRSA for S3, Workload Identity for GCS and Azure', () => {
    expect(documentOf(s3, 'ServiceAccount')).toMatch(
      /eks\.amazonaws\.com\/role-arn: arn:aws:iam::\d+:role\//,
    );
    expect(envOf(documentOf(s3, 'CronJob')).AWS_REGION).toBeTruthy();
    expect(documentOf(gcs, 'ServiceAccount')).toMatch(
      /iam\.gke\.io\/gcp-service-account: \S+@\S+\.iam\.gserviceaccount\.com/,
    );
    // Azure's webhook acts on pods labelled for it, with the client ID from their ServiceAccount.
    expect(documentOf(azure, 'ServiceAccount')).toMatch(
      /azure\.workload\.identity\/client-id: [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\n/,
    );
    // On the pod template (jobTemplate.spec.template), where the webhook looks.
    expect(documentOf(azure, 'CronJob')).toMatch(
      /\n {6}template:\n {8}metadata:\n {10}labels:\n( {12}\S+: \S+\n)* {12}azure\.workload\.identity\/use: "true"\n/,
    );
    expect(envOf(documentOf(azure, 'CronJob')).PUBLISH_DEST).toMatch(/^az:\/\/[a-z0-9]+\/\$web\//);
  });

  it('renders the documented alternatives for clusters outside EKS and GKE', async () => {
    const [webIdentity, federation, federatedToken] = await Promise.all([
      kustomize(join(alternatives, 'overlays/s3')),
      kustomize(join(alternatives, 'overlays/gcs')),
      kustomize(join(alternatives, 'overlays/azure')),
    ]);
    const aws = documentOf(webIdentity, 'CronJob');
    expect(envOf(aws).AWS_WEB_IDENTITY_TOKEN_FILE).toBe(
      '/var/run/secrets/sts.amazonaws.com/serviceaccount/token',
    );
    expect(aws).toContain('audience: sts.amazonaws.com');
    expect(documentOf(webIdentity, 'ServiceAccount')).not.toContain('eks.amazonaws.com/role-arn');
    const google = documentOf(federation, 'CronJob');
    expect(envOf(google).GOOGLE_APPLICATION_CREDENTIALS).toBe('/etc/gcp/credential-configuration.json');
    expect(google).toMatch(
      /audience: https:\/\/iam\.googleapis\.com\/projects\/\d+\/locations\/global\/workloadIdentityPools\//,
    );
    const microsoft = documentOf(federatedToken, 'CronJob');
    const env = envOf(microsoft);
    expect(env.AZURE_FEDERATED_TOKEN_FILE).toBe('/var/run/secrets/azure/tokens/azure-identity-token');
    expect(env.AZURE_CLIENT_ID).toMatch(/^[0-9a-f-]{36}$/);
    expect(env.AZURE_TENANT_ID).toMatch(/^[0-9a-f-]{36}$/);
    expect(env.AZURE_TOKEN_CREDENTIALS).toBe('WorkloadIdentityCredential');
    expect(microsoft).toContain('audience: api://AzureADTokenExchange');
    expect(microsoft).toContain('mountPath: /var/run/secrets/azure/tokens');
    expect(microsoft).toContain('path: azure-identity-token');
    expect(microsoft).not.toContain('azure.workload.identity/use');
    expect(documentOf(federatedToken, 'ServiceAccount')).not.toContain('azure.workload.identity/client-id');
  });

  it("old-issuer: a second CronJob alone, the first one's in all but its name and the old issuer, prefix and public URL", () => {
    expect(oldIssuer.map((doc) => /^kind: (\S+)$/m.exec(doc)?.[1])).toEqual(['CronJob']);
    const second = parse(documentOf(oldIssuer, 'CronJob'));
    const first = parse(documentOf(s3, 'CronJob'));
    expect(second.metadata).toEqual({ ...first.metadata, name: 'kube-oidc-gateway-publish-old-issuer' });
    const pod = (cronJob: typeof first) => cronJob.spec.jobTemplate.spec.template.spec;
    // The first CronJob's ServiceAccount, so its cloud identity; deleting this overlay leaves it.
    expect(pod(second).serviceAccountName).toBe('kube-oidc-gateway-publish');
    const env = (cronJob: typeof first) =>
      Object.fromEntries(
        pod(cronJob).containers[0].env.map((e: { name: string; value: string }) => [e.name, e.value]),
      );
    const moved = ['PUBLISH_ISSUER', 'PUBLISH_DEST', 'PUBLISH_CHECK_PUBLIC_URL'];
    const without = (cronJob: typeof first) => {
      const copy = structuredClone(cronJob);
      copy.metadata.name = '';
      const container = pod(copy).containers[0];
      container.env = container.env.filter((e: { name: string }) => !moved.includes(e.name));
      return copy;
    };
    expect(without(second)).toEqual(without(first));

    const config = resolvePublishConfig({}, env(second));
    expect(config.source).toEqual(
      expect.objectContaining({ kind: 'cluster', issuer: config.checkPublicUrls[0] }),
    );
    expect(config.destinations.map((d) => d.kind)).toEqual(['s3']);
    expect(config.retainMs).toBe(resolvePublishConfig({}, env(first)).retainMs);
  });

  it('old-issuer builds on the GCS and Azure overlays too', async () => {
    const [onGcs, onAzure] = await Promise.all([
      kustomize(join(alternatives, 'overlays/old-issuer-gcs')),
      kustomize(join(alternatives, 'overlays/old-issuer-azure')),
    ]);
    for (const [documents, kind] of [
      [onGcs, 'gcs'],
      [onAzure, 'azure'],
    ] as const) {
      expect(documents.map((doc) => /^kind: (\S+)$/m.exec(doc)?.[1])).toEqual(['CronJob']);
      const config = resolvePublishConfig({}, envOf(documentOf(documents, 'CronJob')));
      expect(config.destinations.map((d) => d.kind)).toEqual([kind]);
      expect(config.source).toMatchObject({ kind: 'cluster', issuer: expect.stringMatching(/^https:/) });
    }
    // The credentials of the overlay below ride along (here the alternatives: no webhook, federation).
    expect(envOf(documentOf(onGcs, 'CronJob')).GOOGLE_APPLICATION_CREDENTIALS).toBeTruthy();
    expect(envOf(documentOf(onAzure, 'CronJob')).AZURE_FEDERATED_TOKEN_FILE).toBeTruthy();
  });
});
