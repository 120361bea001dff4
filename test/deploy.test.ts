/**
 * The kustomize bases render with `kubectl kustomize` and keep the security defaults:
 * least-privilege RBAC, a non-root read-only container, probes that fit the gateway.
 */
import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { needing } from './support/tools.js';

type Manifest = { kind: string; metadata: { name: string }; [key: string]: unknown };

function render(dir: string): Manifest[] {
  const out = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
  return parseAllDocuments(out).map((doc) => doc.toJS() as Manifest);
}

function byKind(manifests: Manifest[], kind: string): Manifest {
  const found = manifests.find((m) => m.kind === kind);
  if (!found) throw new Error(`no ${kind} rendered`);
  return found;
}

const suite = needing('kubectl', 'deploy/deployment');

describe.skipIf(suite.missing)(suite.name, () => {
  let manifests: Manifest[] = [];
  beforeAll(() => {
    manifests = render('deploy/deployment');
  });

  it('renders every resource of the base', () => {
    expect(manifests.map((m) => m.kind).sort()).toEqual(
      [
        'ClusterRole',
        'ClusterRoleBinding',
        'Deployment',
        'Namespace',
        'PodDisruptionBudget',
        'Service',
        'ServiceAccount',
      ].sort(),
    );
  });

  it('grants only get on the two non-resource URLs', () => {
    const role = byKind(manifests, 'ClusterRole') as unknown as { rules: unknown[] };
    expect(role.rules).toEqual([
      { nonResourceURLs: ['/.well-known/openid-configuration', '/openid/v1/jwks'], verbs: ['get'] },
    ]);
  });

  it('runs non-root and read-only, with liveness that never needs the API server', () => {
    interface Container {
      securityContext: Record<string, unknown>;
      livenessProbe: { httpGet: { path: string } };
      readinessProbe: { httpGet: { path: string } };
      resources: { limits: { memory: string } };
    }
    const deployment = byKind(manifests, 'Deployment') as unknown as {
      spec: { replicas: number; template: { spec: { containers: Container[] } } };
    };
    expect(deployment.spec.replicas).toBe(2);
    const [container] = deployment.spec.template.spec.containers;
    expect(container?.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      runAsUser: 65532,
      capabilities: { drop: ['ALL'] },
    });
    expect(container?.livenessProbe.httpGet.path).toBe('/healthz');
    expect(container?.readinessProbe.httpGet.path).toBe('/readyz');
    expect(container?.resources.limits.memory).toMatch(/^\d+Mi$/);
  });
});
