/**
 * `npm run bench`: prints figures and ratios against same-run baselines.
 * Environment: BENCH_SECONDS (per round, default 5), BENCH_ROUNDS (default 5),
 * BENCH_CONNECTIONS (default 64), BENCH_NODE_FLAGS (V8 flags for both servers, default
 * the image's), BENCH_LOG_LEVEL (the gateway's, default info).
 */
import { benchPublish } from './publish.js';
import { benchServe } from './serve.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 64);
// Keep in step with the Dockerfile's ENTRYPOINT.
const nodeFlags = (
  process.env.BENCH_NODE_FLAGS ??
  '--max-semi-space-size=1 --max-old-space-size=48 --single-threaded --disable-sigusr1'
)
  .split(' ')
  .filter(Boolean);

const results: boolean[] = [];
results.push(await benchServe({ connections, seconds, rounds, nodeFlags }));
results.push(await benchPublish({ runs: Number(process.env.BENCH_PUBLISH_RUNS ?? 5) }));
console.log(results.every(Boolean) ? 'bench: all goals met' : 'bench: some goals NOT met');
