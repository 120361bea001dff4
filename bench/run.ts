/**
 * `npm run bench`: prints figures and ratios against same-run baselines.
 * Environment: BENCH_SECONDS (per round, default 5), BENCH_ROUNDS (default 5),
 * BENCH_CONNECTIONS (default 64), BENCH_NODE_FLAGS (Node flags for the servers, default
 * the Dockerfile ENTRYPOINT's), BENCH_LOG_LEVEL (the gateway's, default info),
 * BENCH_FLOOD_CONNECTIONS (default 50), BENCH_FLOOD_SECONDS (default 10),
 * BENCH_PUBLISH_RUNS (default 5).
 */
import { imageNodeFlags } from '../test/support/image.js';
import { benchFlood } from './flood.js';
import { benchPublish } from './publish.js';
import { benchServe } from './serve.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 64);
const nodeFlags = process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? imageNodeFlags();

const results: boolean[] = [];
results.push(await benchServe({ connections, seconds, rounds, nodeFlags }));
results.push(
  await benchFlood({
    connections: Number(process.env.BENCH_FLOOD_CONNECTIONS ?? 50),
    seconds: Number(process.env.BENCH_FLOOD_SECONDS ?? 10),
    nodeFlags,
  }),
);
results.push(await benchPublish({ runs: Number(process.env.BENCH_PUBLISH_RUNS ?? 5) }));
console.log(results.every(Boolean) ? 'bench: all goals met' : 'bench: some goals NOT met');
