/**
 * What the shipped configuration is, read from the files that ship it, so the fault tests
 * and the benchmark run `serve` the way the image and the Deployment do: the Node flags of
 * the Dockerfile's ENTRYPOINT and the Deployment's memory limit.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

const ROOT = findRoot();

function findRoot(): string {
  // test/support/ from the sources, build/test/support/ when compiled for the benchmark.
  for (const up of ['../..', '../../..']) {
    const dir = fileURLToPath(new URL(`${up}/`, import.meta.url));
    try {
      readFileSync(`${dir}Dockerfile`);
      return dir;
    } catch {
      // not here
    }
  }
  throw new Error('Dockerfile not found above test/support');
}

/** The flags between the node binary and the script in the Dockerfile's exec-form ENTRYPOINT. */
export function imageNodeFlags(): string[] {
  const dockerfile = readFileSync(`${ROOT}Dockerfile`, 'utf8');
  const line = /^ENTRYPOINT\s+(\[.*\])\s*$/m.exec(dockerfile)?.[1];
  if (!line) throw new Error('Dockerfile has no exec-form ENTRYPOINT');
  const entrypoint = JSON.parse(line) as string[];
  const script = entrypoint.findIndex((arg) => arg.endsWith('.js'));
  return entrypoint.slice(1, script);
}

/**
 * The environment the runtime stage of the Dockerfile sets (its `ENV KEY=VALUE` lines after
 * the last FROM): what a process of the image has besides what the pod spec gives it.
 */
export function imageEnv(): Record<string, string> {
  const dockerfile = readFileSync(`${ROOT}Dockerfile`, 'utf8');
  const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  const env: Record<string, string> = {};
  for (const [, pairs] of runtime.matchAll(/^ENV\s+(.+)$/gm)) {
    for (const pair of (pairs as string).trim().split(/\s+/)) {
      const match = /^([A-Z_][A-Z0-9_]*)=(\S*)$/.exec(pair);
      if (!match) throw new Error(`the Dockerfile's ENV is not KEY=VALUE: ${pairs}`);
      env[match[1] as string] = match[2] as string;
    }
  }
  return env;
}

/** The Deployment's container memory limit, in MiB. */
export function deploymentMemoryLimitMiB(): number {
  const text = readFileSync(`${ROOT}deploy/deployment/deployment.yaml`, 'utf8');
  const deployment = parseAllDocuments(text)
    .map((doc) => doc.toJS() as { kind?: string; spec?: unknown })
    .find((doc) => doc.kind === 'Deployment') as
    | { spec: { template: { spec: { containers: Array<{ resources: { limits: { memory: string } } }> } } } }
    | undefined;
  const limit = deployment?.spec.template.spec.containers[0]?.resources.limits.memory;
  const match = /^(\d+)Mi$/.exec(limit ?? '');
  if (!match) throw new Error(`the Deployment's memory limit is not in Mi: ${limit}`);
  return Number(match[1]);
}
