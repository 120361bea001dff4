/**
 * Prometheus metrics on a private registry, built from prom-client's own files (below).
 * Invariant: the request path only bumps plain numbers, never calls prom-client; those
 * numbers are copied in, and everything else is read, when /metrics is scraped.
 */
import { createRequire } from 'node:module';
import type * as PromClient from 'prom-client';
import type { CutReason } from './client-limits.js';

type DefaultCollector = (registry: PromClient.Registry, config: { prefix: string }) => void;
const require = createRequire(import.meta.url);

/*
 * prom-client's classes from their own files: its index also loads the cluster
 * aggregator, the Pushgateway client (http, https, zlib) and, through the CPU collector,
 * @opentelemetry/api, about 13 MiB of RSS together that serve never uses.
 */
const Counter = require('prom-client/lib/counter.js') as typeof PromClient.Counter;
const Gauge = require('prom-client/lib/gauge.js') as typeof PromClient.Gauge;
const Histogram = require('prom-client/lib/histogram.js') as typeof PromClient.Histogram;
const Registry = require('prom-client/lib/registry.js') as typeof PromClient.Registry;

/**
 * prom-client's default process metrics, less the GC histogram (its PerformanceObserver
 * runs on every scavenge, which under load is thousands of times a second) and with the
 * CPU counters made here (prom-client's collector loads @opentelemetry/api for exemplars).
 */
function collectProcessMetrics(registry: PromClient.Registry, prefix: string): void {
  for (const name of [
    'processStartTime',
    'osMemoryHeap',
    'processOpenFileDescriptors',
    'processMaxFileDescriptors',
    'eventLoopLag',
    'heapSizeAndUsed',
    'version',
  ]) {
    (require(`prom-client/lib/metrics/${name}.js`) as DefaultCollector)(registry, { prefix });
  }
  collectCpu(registry, prefix);
}

/** prom-client's three CPU counters (same names and help), as totals since the process started. */
function collectCpu(registry: PromClient.Registry, prefix: string): void {
  const registers = [registry];
  const seconds = { user: 0, system: 0 };
  new Counter({
    name: `${prefix}process_cpu_user_seconds_total`,
    help: 'Total user CPU time spent in seconds.',
    registers,
    // Registered first, so this reads the clock for all three.
    collect() {
      const usage = process.cpuUsage();
      seconds.user = usage.user / 1e6;
      seconds.system = usage.system / 1e6;
      this.reset();
      this.inc(seconds.user);
    },
  });
  new Counter({
    name: `${prefix}process_cpu_system_seconds_total`,
    help: 'Total system CPU time spent in seconds.',
    registers,
    collect() {
      this.reset();
      this.inc(seconds.system);
    },
  });
  new Counter({
    name: `${prefix}process_cpu_seconds_total`,
    help: 'Total user and system CPU time spent in seconds.',
    registers,
    collect() {
      this.reset();
      this.inc(seconds.user + seconds.system);
    },
  });
}

export type DocumentName = 'discovery' | 'jwks';
export const ROUTE_LABELS = [
  '/.well-known/openid-configuration',
  '/openid/v1/jwks',
  '/healthz',
  '/readyz',
  '/metrics',
  'other',
] as const;
export type RouteLabel = (typeof ROUTE_LABELS)[number];

/** HTTP status codes are below 600; the handler answers a fixed handful of them. */
const STATUS_CODE_LIMIT = 600;

export interface DocumentState {
  fetchedAt: number;
  servingStale: boolean;
  keyCount?: number;
}

/** What the metrics read on scrape. */
export interface ScrapeSources {
  /** A document's cache state. */
  documentState(document: DocumentName): DocumentState;
  /** The logger's running count of dropped lines (see LineWriter). */
  droppedLogLines(): number;
  /** Wall-clock milliseconds since the epoch (serve's Clock), for the last success's age. */
  now(): number;
}

/**
 * Requests, cache lookups and cuts are counted in plain numbers, not prom-client counters:
 * prom-client hashes the label set on every inc(), even on a bound child. The counters'
 * collect() copies the numbers in.
 */
export class GatewayMetrics {
  readonly registry: PromClient.Registry = new Registry();
  private readonly upstreamFetches: PromClient.Counter<'document' | 'result'>;
  private readonly upstreamDuration: PromClient.Histogram<'document'>;
  /** Per route, a count per status code (the index): one lookup and one increment per request. */
  private readonly requestCounts = new Map<RouteLabel, Float64Array>(
    ROUTE_LABELS.map((route) => [route, new Float64Array(STATUS_CODE_LIMIT)]),
  );
  private readonly cacheCounts = {
    hit: { discovery: 0, jwks: 0 },
    miss: { discovery: 0, jwks: 0 },
  };
  private readonly cutCounts: Record<CutReason, number> = { pipelining: 0, max_connections: 0 };

  constructor(sources: ScrapeSources) {
    const registers = [this.registry];
    const state = (document: DocumentName) => sources.documentState(document);
    const now = () => sources.now();
    const requestCounts = this.requestCounts;
    const cacheCounts = this.cacheCounts;
    const cutCounts = this.cutCounts;
    collectProcessMetrics(this.registry, 'kube_oidc_gateway_');
    new Counter({
      name: 'kube_oidc_gateway_http_requests_total',
      help: 'HTTP requests answered, by route and status code',
      labelNames: ['route', 'status'],
      registers,
      collect() {
        this.reset();
        for (const [route, byStatus] of requestCounts) {
          byStatus.forEach((count, status) => {
            if (count > 0) this.inc({ route, status: String(status) }, count);
          });
        }
      },
    });
    for (const outcome of ['hit', 'miss'] as const) {
      new Counter({
        name: `kube_oidc_gateway_cache_${outcome === 'hit' ? 'hits' : 'misses'}_total`,
        help:
          outcome === 'hit'
            ? 'Document requests answered from the cache without waiting on the upstream'
            : 'Document requests not answered from the cache: they waited for an upstream fetch, or got 502',
        labelNames: ['document'],
        registers,
        collect() {
          this.reset();
          for (const document of ['discovery', 'jwks'] as const) {
            this.inc({ document }, cacheCounts[outcome][document]);
          }
        },
      });
    }
    new Counter({
      name: 'kube_oidc_gateway_connections_cut_total',
      help: 'Connections closed or refused by the client limits, by reason (pipelining, max_connections)',
      labelNames: ['reason'],
      registers,
      collect() {
        this.reset();
        for (const [reason, count] of Object.entries(cutCounts)) this.inc({ reason }, count);
      },
    });
    this.upstreamFetches = new Counter({
      name: 'kube_oidc_gateway_upstream_fetches_total',
      help: 'Upstream fetches by document and result (ok or the error code)',
      labelNames: ['document', 'result'],
      registers,
    });
    this.upstreamDuration = new Histogram({
      name: 'kube_oidc_gateway_upstream_fetch_duration_seconds',
      help: 'Duration of upstream fetches, including validation',
      labelNames: ['document'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    new Gauge({
      name: 'kube_oidc_gateway_last_success_age_seconds',
      help: 'Seconds since the last good upstream fetch (absent before the first)',
      labelNames: ['document'],
      registers,
      collect() {
        this.reset();
        for (const document of ['discovery', 'jwks'] as const) {
          const { fetchedAt } = state(document);
          if (fetchedAt > 0) this.set({ document }, (now() - fetchedAt) / 1000);
        }
      },
    });
    new Gauge({
      name: 'kube_oidc_gateway_serving_stale',
      help: '1 while a document past its TTL is served because the upstream fails',
      labelNames: ['document'],
      registers,
      collect() {
        for (const document of ['discovery', 'jwks'] as const) {
          this.set({ document }, state(document).servingStale ? 1 : 0);
        }
      },
    });
    new Counter({
      name: 'kube_oidc_gateway_log_lines_dropped_total',
      help: 'Log lines dropped because stdout failed (its reader went away) or did not keep up',
      registers,
      collect() {
        this.reset();
        this.inc(sources.droppedLogLines());
      },
    });
    new Gauge({
      name: 'kube_oidc_gateway_jwks_keys',
      help: 'Number of keys in the cached JWKS',
      registers,
      collect() {
        this.set(state('jwks').keyCount ?? 0);
      },
    });
  }

  countRequest(route: RouteLabel, status: number): void {
    const byStatus = this.requestCounts.get(route) as Float64Array;
    byStatus[status] = (byStatus[status] as number) + 1;
  }

  countCut(reason: CutReason): void {
    this.cutCounts[reason] += 1;
  }

  countCache(outcome: 'hit' | 'miss', document: DocumentName): void {
    this.cacheCounts[outcome][document] += 1;
  }

  /** One upstream attempt: `result` is `ok` or the error code. Not on the request path. */
  countUpstreamFetch(document: DocumentName, result: string, durationMs: number): void {
    this.upstreamDuration.labels({ document }).observe(durationMs / 1000);
    this.upstreamFetches.labels({ document, result }).inc();
  }
}
