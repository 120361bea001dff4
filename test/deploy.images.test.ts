/**
 * Both kustomize bases take another registry's image the way docs/how-to/publish-in-cluster.md says: a kustomization
 * that uses the base and sets `images:` (what `kustomize edit set image` writes). Rendered
 * with `kubectl kustomize`, every container of every workload must run the new image.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from './support/dockerfile.js';
import { needing } from './support/tools.js';

const SHIPPED = 'ghcr.io/kube-oidc-gateway/kube-oidc-gateway';
const BASES = ['deploy/deployment', 'deploy/cronjob'];
const VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string })
  .version;
const DIGEST = `sha256:${'ab'.repeat(32)}`;

type Container = { name: string; image: string };
type PodSpec = { containers?: Container[]; initContainers?: Container[] };
type Manifest = {
  kind: string;
  spec?: { template?: { spec?: PodSpec }; jobTemplate?: { spec: { template: { spec: PodSpec } } } };
};

/** Every container image of every workload in the rendered output, as `Kind/container image`. */
function containerImages(rendered: string): string[] {
  const images: string[] = [];
  for (const doc of parseAllDocuments(rendered).map((d) => d.toJS() as Manifest)) {
    const pod = doc.spec?.jobTemplate?.spec.template.spec ?? doc.spec?.template?.spec;
    for (const container of [...(pod?.containers ?? []), ...(pod?.initContainers ?? [])]) {
      images.push(`${doc.kind}/${container.name} ${container.image}`);
    }
  }
  return images;
}

const suite = needing('kubectl', 'kustomize bases with another image');

describe.skipIf(suite.missing)(suite.name, () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kog-images-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  function renderWith(base: string, image: Record<string, string>): string[] {
    const overlay = mkdtempSync(join(dir, 'overlay-'));
    const entry = Object.entries({ name: SHIPPED, ...image })
      .map(([key, value], i) => `${i === 0 ? '  - ' : '    '}${key}: ${value}`)
      .join('\n');
    writeFileSync(
      join(overlay, 'kustomization.yaml'),
      `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ${relative(overlay, join(REPO_ROOT, base))}\nimages:\n${entry}\n`,
    );
    return containerImages(execFileSync('kubectl', ['kustomize', overlay], { encoding: 'utf8' }));
  }

  it.each(BASES)("%s: ships the release's image, tagged with package.json's version", (base) => {
    const images = containerImages(
      execFileSync('kubectl', ['kustomize', join(REPO_ROOT, base)], { encoding: 'utf8' }),
    );
    expect(images.length).toBeGreaterThan(0);
    for (const image of images) expect(image.endsWith(` ${SHIPPED}:${VERSION}`), image).toBe(true);
  });

  it.each(BASES)('%s: another registry and tag reach every container', (base) => {
    const images = renderWith(base, {
      newName: 'registry.example.com/mirror/kube-oidc-gateway',
      newTag: '9.9.9-test',
    });
    expect(images.length).toBeGreaterThan(0);
    for (const image of images)
      expect(image).toMatch(/ registry\.example\.com\/mirror\/kube-oidc-gateway:9\.9\.9-test$/);
  });

  it.each(BASES)('%s: a digest (the signed image) reaches every container', (base) => {
    const images = renderWith(base, { digest: DIGEST });
    expect(images.length).toBeGreaterThan(0);
    for (const image of images) expect(image.endsWith(` ${SHIPPED}@${DIGEST}`), image).toBe(true);
  });
});
