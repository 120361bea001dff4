/**
 * Prometheus metrics on a private registry. The request path only bumps plain numbers;
 * they are copied into the prom-client counters when /metrics is scraped.
 */
import { createRequire } from 'node:module';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

type DefaultCollector = (registry: Registry, config: { prefix: string }) => void;
const require = createRequire(import.meta.url);

/**
 * prom-client's default process metrics, less the GC histogram: its PerformanceObserver
 * runs on every scavenge, which under load is thousands of times a second.
 */
function collectProcessMetrics(registry: Registry, prefix: string): void {
  for (const name of [
    'processCpuTotal',
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

export interface DocumentState {
  fetchedAt: number;
  servingStale: boolean;
  keyCount?: number;
}

/**
 * The request path only bumps plain numbers (prom-client hashes the label set on every
 * inc(), even on a bound child); the numbers are copied into the counters on scrape.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly upstreamFetches: Counter<'document' | 'result'>;
  readonly upstreamDuration: Histogram<'document'>;
  private readonly requestCounts = new Map<RouteLabel, Map<number, number>>(
    ROUTE_LABELS.map((route) => [route, new Map<number, number>()]),
  );
  private readonly cacheCounts = {
    hit: { discovery: 0, jwks: 0 },
    miss: { discovery: 0, jwks: 0 },
  };

  /** The logger's running count of dropped lines (see LineWriter), read on scrape. */
  droppedLogLines: () => number = () => 0;

  constructor(state: (document: DocumentName) => DocumentState) {
    const registers = [this.registry];
    const self = this;
    const requestCounts = this.requestCounts;
    const cacheCounts = this.cacheCounts;
    collectProcessMetrics(this.registry, 'kube_oidc_gateway_');
    new Counter({
      name: 'kube_oidc_gateway_http_requests_total',
      help: 'HTTP requests answered, by route and status code',
      labelNames: ['route', 'status'],
      registers,
      collect() {
        this.reset();
        for (const [route, byStatus] of requestCounts) {
          for (const [status, count] of byStatus) this.inc({ route, status: String(status) }, count);
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
          if (fetchedAt > 0) this.set({ document }, (Date.now() - fetchedAt) / 1000);
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
        this.inc(self.droppedLogLines());
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
    const byStatus = this.requestCounts.get(route) as Map<number, number>;
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
  }

  countCache(outcome: 'hit' | 'miss', document: DocumentName): void {
    this.cacheCounts[outcome][document] += 1;
  }
}
