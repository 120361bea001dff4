/**
 * Prometheus metrics on a private registry. Label sets on the request path are bound
 * once (the children below), so a request costs one increment and no label hashing.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

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

export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'route' | 'status'>;
  private readonly requestChildren = new Map<string, Counter.Internal>();
  readonly cacheHits: Counter<'document'>;
  readonly cacheMisses: Counter<'document'>;
  readonly upstreamFetches: Counter<'document' | 'result'>;
  readonly upstreamDuration: Histogram<'document'>;

  constructor(state: (document: DocumentName) => DocumentState) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'kube_oidc_gateway_' });
    this.requests = new Counter({
      name: 'kube_oidc_gateway_http_requests_total',
      help: 'HTTP requests answered, by route and status code',
      labelNames: ['route', 'status'],
      registers,
    });
    this.cacheHits = new Counter({
      name: 'kube_oidc_gateway_cache_hits_total',
      help: 'Document requests answered from the cache without waiting on the upstream',
      labelNames: ['document'],
      registers,
    });
    this.cacheMisses = new Counter({
      name: 'kube_oidc_gateway_cache_misses_total',
      help: 'Document requests that had to wait for an upstream fetch',
      labelNames: ['document'],
      registers,
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
    new Gauge({
      name: 'kube_oidc_gateway_jwks_keys',
      help: 'Number of keys in the cached JWKS',
      registers,
      collect() {
        this.set(state('jwks').keyCount ?? 0);
      },
    });
    this.requests.labels({ route: 'other', status: '404' });
  }

  /** The bound counter for one route and status, created on first use. */
  request(route: RouteLabel, status: number): Counter.Internal {
    const key = `${route} ${status}`;
    let child = this.requestChildren.get(key);
    if (!child) {
      child = this.requests.labels({ route, status: String(status) });
      this.requestChildren.set(key, child);
    }
    return child;
  }
}
