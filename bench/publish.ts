/**
 * `publish` as whole processes against the API-server stand-in and two stores, S3 (s3rver)
 * and Azure Blob Storage (Azurite): wall time and peak RSS of a run that changes objects and
 * of one that changes nothing, SDK loading included, against a same-run baseline: a bare
 * `node` process (`node -e 0`), the floor every CLI run pays. Also checks which SDKs each
 * run loaded and that the no-change runs wrote nothing.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { randomToken, startApiServer } from '../test/support/apiserver.js';
import { AZURITE_ACCOUNT, startAzurite } from '../test/support/azurite.js';
import { imageEnv } from '../test/support/image.js';
import {
  S3_ACCESS_KEY_ID,
  S3_REGION,
  S3_SECRET_ACCESS_KEY,
  startS3Server,
} from '../test/support/s3-server.js';
import { fixed, median } from './support.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'dist/cli.js');
const PRELOAD = join(ROOT, 'bench/process-report.mjs');

interface ProcessRun {
  wallMs: number;
  maxRssMiB: number;
  loaded: string[];
  code: number | null;
  output: string;
}

async function runProcess(
  args: string[],
  env: Record<string, string>,
  reportFile: string,
): Promise<ProcessRun> {
  await writeFile(reportFile, '');
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', PRELOAD, ...args], {
    // The image's environment (NODE_ENV, no compile cache), as the CronJob runs it.
    env: {
      ...imageEnv(),
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      ...env,
      BENCH_REPORT_FILE: reportFile,
    },
  });
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const wallMs = performance.now() - started;
  const report = JSON.parse((await readFile(reportFile, 'utf8')) || '{"maxRssKiB":0}') as {
    maxRssKiB: number;
  };
  const loaded = (await readFile(`${reportFile}.loaded`, 'utf8')).split('\n').filter(Boolean);
  return { wallMs, maxRssMiB: report.maxRssKiB / 1024, loaded, code, output };
}

/** One destination the bench publishes to: its CLI arguments and environment, and how to see its writes. */
interface Target {
  name: string;
  args: string[];
  env: Record<string, string>;
  /** Starts counting writes afresh. */
  mark(): Promise<void>;
  /** The writes the store received since mark(). */
  writes(): Promise<number>;
}

interface Series {
  changed: ProcessRun[];
  unchanged: ProcessRun[];
  writesInUnchangedRuns: number;
}

export async function benchPublish(options: { runs: number }): Promise<boolean> {
  const workdir = await mkdtemp(join(tmpdir(), 'kube-oidc-gateway-bench-publish-'));
  const token = randomToken();
  const [apiserver, s3, azurite] = await Promise.all([
    startApiServer({ tokens: [token] }),
    startS3Server({ buckets: ['oidc'] }),
    startAzurite(),
  ]);
  await writeFile(join(workdir, 'token'), token);
  const reportFile = join(workdir, 'report.json');
  const source = {
    UPSTREAM_HOST: apiserver.url,
    SA_TOKEN_PATH: join(workdir, 'token'),
    SA_CA_CERT_PATH: apiserver.pki.caCertPath,
  };
  const blobs = BlobServiceClient.fromConnectionString(azurite.connectionString()).getContainerClient('$web');
  await blobs.create();
  const targets: Target[] = [
    {
      name: 'S3 (s3rver)',
      args: ['--dest', 's3://oidc/cluster-1', '--s3-endpoint', s3.endpoint, '--s3-force-path-style'],
      env: {
        ...source,
        AWS_ACCESS_KEY_ID: S3_ACCESS_KEY_ID,
        AWS_SECRET_ACCESS_KEY: S3_SECRET_ACCESS_KEY,
        AWS_REGION: S3_REGION,
      },
      mark: async () => s3.resetRequests(),
      writes: async () => s3.writeCount(),
    },
    {
      name: 'Azure (Azurite)',
      args: ['--dest', `az://${AZURITE_ACCOUNT}/$web/cluster-1`],
      env: { ...source, AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString() },
      // Every Put Blob gives the blob a new ETag: the same ETags after a run mean no write.
      ...etagWatch(blobs),
    },
  ];

  const baseline: ProcessRun[] = [];
  const series = targets.map((): Series => ({ changed: [], unchanged: [], writesInUnchangedRuns: 0 }));
  for (let i = 0; i < options.runs; i++) {
    baseline.push(await runProcess(['-e', '0'], {}, reportFile));
    // A new key upstream: the next run to each target rewrites the JWKS (and the state object).
    apiserver.addKey(i % 2 === 0 ? 'EC' : 'RSA');
    for (const [index, target] of targets.entries()) {
      const runs = series[index] as Series;
      const args = [CLI, 'publish', ...target.args];
      runs.changed.push(await runProcess(args, target.env, reportFile));
      await target.mark();
      runs.unchanged.push(await runProcess(args, target.env, reportFile));
      runs.writesInUnchangedRuns += await target.writes();
    }
  }
  await Promise.all([s3.close(), azurite.stop(), apiserver.close()]);
  await rm(workdir, { recursive: true, force: true });

  const failed = series.flatMap((runs) => [...runs.changed, ...runs.unchanged]).find((run) => run.code !== 0);
  if (failed) {
    console.log(`publish: a run failed (exit ${failed.code}):\n${failed.output}`);
    return false;
  }
  const wall = (runs: ProcessRun[]) => median(runs.map((r) => r.wallMs));
  const rss = (runs: ProcessRun[]) => median(runs.map((r) => r.maxRssMiB));
  const row = (name: string, runs: ProcessRun[]) =>
    `  ${name.padEnd(14)} ${fixed(wall(runs), 0).padStart(5)} ms  ${fixed(rss(runs), 1).padStart(6)} MiB peak   ${fixed(wall(runs) / wall(baseline), 1)}x / ${fixed(rss(runs) / rss(baseline), 1)}x baseline`;
  console.log(`publish: whole processes, median of ${options.runs} runs each`);
  console.log(row('node -e 0', baseline));
  let ok = true;
  for (const [index, target] of targets.entries()) {
    const runs = series[index] as Series;
    const loaded = [...new Set(runs.unchanged.flatMap((r) => r.loaded))];
    console.log(`  to ${target.name}`);
    console.log(row('with changes', runs.changed));
    console.log(row('no changes', runs.unchanged));
    console.log(`  SDKs loaded: ${loaded.join(', ') || 'none'}`);
    console.log(`  writes made by the no-change runs: ${runs.writesInUnchangedRuns}`);
    // Only the destination's own SDK: never the Kubernetes client (no kubeconfig), another
    // cloud's SDK, nor @azure/identity when a connection string is the credential.
    const own = target.args[1]?.startsWith('az://') ? '@azure/storage-blob' : '@aws-sdk/client-s3';
    ok &&=
      wall(runs.unchanged) < 1500 &&
      rss(runs.unchanged) < 120 &&
      runs.writesInUnchangedRuns === 0 &&
      loaded.length === 1 &&
      loaded[0] === own;
  }
  console.log(
    `  publish goals (no-change run < 1.5 s and < 120 MiB, 0 writes, only the destination's SDK loaded): ${ok ? 'met' : 'NOT met'}`,
  );
  return ok;
}

/** mark() and writes() for a container: the ETags of its blobs before and after. */
function etagWatch(container: ContainerClient): Pick<Target, 'mark' | 'writes'> {
  let before = new Map<string, string>();
  const etags = async () => {
    const found = new Map<string, string>();
    for await (const blob of container.listBlobsFlat()) found.set(blob.name, blob.properties.etag ?? '');
    return found;
  };
  return {
    mark: async () => {
      before = await etags();
    },
    writes: async () => {
      const after = await etags();
      return [...after].filter(([name, etag]) => before.get(name) !== etag).length;
    },
  };
}
