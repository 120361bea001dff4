/**
 * `publish` as whole processes against the S3 test server (s3rver) and the API-server
 * stand-in: wall time and peak RSS of a run that changes objects and of one that changes
 * nothing, SDK loading included, against a same-run baseline: a bare `node` process
 * (`node -e 0`), the floor every CLI run pays. Also checks which SDKs each run loaded.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomToken, startApiServer } from '../test/support/apiserver.js';
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
    env: {
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

export async function benchPublish(options: { runs: number }): Promise<boolean> {
  const workdir = await mkdtemp(join(tmpdir(), 'kube-oidc-gateway-bench-publish-'));
  const token = randomToken();
  const apiserver = await startApiServer({ tokens: [token] });
  const s3 = await startS3Server({ buckets: ['oidc'] });
  await writeFile(join(workdir, 'token'), token);
  const reportFile = join(workdir, 'report.json');
  const env = {
    UPSTREAM_HOST: apiserver.url,
    SA_TOKEN_PATH: join(workdir, 'token'),
    SA_CA_CERT_PATH: apiserver.pki.caCertPath,
    AWS_ACCESS_KEY_ID: S3_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: S3_SECRET_ACCESS_KEY,
    AWS_REGION: S3_REGION,
  };
  const publishArgs = [
    CLI,
    'publish',
    '--dest',
    's3://oidc/cluster-1',
    '--s3-endpoint',
    s3.endpoint,
    '--s3-force-path-style',
  ];

  const baseline: ProcessRun[] = [];
  const changed: ProcessRun[] = [];
  const unchanged: ProcessRun[] = [];
  let writesInUnchangedRuns = 0;
  for (let i = 0; i < options.runs; i++) {
    baseline.push(await runProcess(['-e', '0'], {}, reportFile));
    // A new key upstream: this run rewrites the JWKS (and the state object).
    apiserver.addKey(i % 2 === 0 ? 'EC' : 'RSA');
    changed.push(await runProcess(publishArgs, env, reportFile));
    s3.resetRequests();
    unchanged.push(await runProcess(publishArgs, env, reportFile));
    writesInUnchangedRuns += s3.writeCount();
  }
  await s3.close();
  await apiserver.close();
  await rm(workdir, { recursive: true, force: true });

  const failed = [...changed, ...unchanged].find((run) => run.code !== 0);
  if (failed) {
    console.log(`publish: a run failed (exit ${failed.code}):\n${failed.output}`);
    return false;
  }
  const wall = (runs: ProcessRun[]) => median(runs.map((r) => r.wallMs));
  const rss = (runs: ProcessRun[]) => median(runs.map((r) => r.maxRssMiB));
  const row = (name: string, runs: ProcessRun[]) =>
    `  ${name.padEnd(14)} ${fixed(wall(runs), 0).padStart(5)} ms  ${fixed(rss(runs), 1).padStart(6)} MiB peak   ${fixed(wall(runs) / wall(baseline), 1)}x / ${fixed(rss(runs) / rss(baseline), 1)}x baseline`;
  console.log(`publish: to s3rver, whole processes, median of ${options.runs} runs each`);
  console.log(row('node -e 0', baseline));
  console.log(row('with changes', changed));
  console.log(row('no changes', unchanged));
  const loaded = [...new Set(unchanged.flatMap((r) => r.loaded))];
  console.log(`  SDKs loaded by the S3 runs: ${loaded.join(', ') || 'none'}`);
  console.log(`  writes made by the no-change runs: ${writesInUnchangedRuns}`);
  const ok =
    wall(unchanged) < 1500 &&
    rss(unchanged) < 120 &&
    writesInUnchangedRuns === 0 &&
    !loaded.includes('@google-cloud/storage') &&
    !loaded.includes('@kubernetes/client-node');
  console.log(
    `  publish goals (no-change run < 1.5 s and < 120 MiB, GCS SDK and client-node not loaded, 0 writes): ${ok ? 'met' : 'NOT met'}`,
  );
  return ok;
}
