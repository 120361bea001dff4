/**
 * The two documents' caches and what fills them: fetch, validate and render through core,
 * prepare the responses once (see responses.ts), count every upstream attempt in the
 * metrics, and log each state change once. Invariants:
 * - What a cache holds passed core's validation: a bad document is an attempt that failed.
 * - The jwks_uri rewrite warning is logged once per distinct rewrite, not per refresh.
 * - Without a source (no way to the API server, source-choice.ts) nothing is ever fetched:
 *   every get() fails at once, so the routes answer 502 and /readyz 503 for the pod's life.
 */
import { fetchDiscovery, fetchJwks } from '../core/documents.js';
import { describeError, GatewayError, isGatewayError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { DocumentSource } from '../core/source.js';
import { RefreshingCache } from './cache.js';
import type { Clock } from './clock.js';
import type { ServeConfig } from './config.js';
import type { DocumentName, DocumentState, GatewayMetrics } from './metrics.js';
import { type PreparedDocument, prepareDocument } from './responses.js';

export type CacheSettings = Pick<
  ServeConfig,
  'normalize' | 'cacheTtlMs' | 'maxStaleMs' | 'clientCacheTtlSeconds'
>;

/** What the handler and the metrics read of one document's cache. */
export interface DocumentCache {
  readonly value: PreparedDocument | undefined;
  /** When `value` was fetched (ms since epoch); 0 when never. */
  readonly fetchedAt: number;
  readonly servingStale: boolean;
  get(): Promise<PreparedDocument>;
  stop(): void;
}

export interface DocumentCachesOptions {
  /** Undefined: no way to the API server; `unavailable` says why. */
  source: DocumentSource | undefined;
  /** Set when `source` is undefined; the gateway passes undefined when it has a source. */
  unavailable?: string | undefined;
  settings: CacheSettings;
  metrics: GatewayMetrics;
  logger: Logger;
  clock: Clock;
}

export class DocumentCaches {
  readonly discovery: DocumentCache;
  readonly jwks: DocumentCache;
  /** The last rewrite warned about, as `from -> to`. */
  private warnedRewrite = '';

  constructor(private readonly options: DocumentCachesOptions) {
    this.discovery = this.cacheOf('discovery');
    this.jwks = this.cacheOf('jwks');
  }

  /** What the metrics read of a document on scrape. */
  state(document: DocumentName): DocumentState {
    const cache = this[document];
    const rendered = cache.value?.rendered;
    return {
      fetchedAt: cache.fetchedAt,
      servingStale: cache.servingStale,
      ...(rendered?.kind === 'jwks' ? { keyCount: rendered.kids.length } : {}),
    };
  }

  stop(): void {
    this.discovery.stop();
    this.jwks.stop();
  }

  private cacheOf(document: DocumentName): DocumentCache {
    const { source, settings, metrics, logger, clock } = this.options;
    if (source === undefined) return unavailableCache(this.options.unavailable ?? 'no source');
    return new RefreshingCache(() => this.load(source, document), {
      ttlMs: settings.cacheTtlMs,
      maxStaleMs: settings.maxStaleMs,
      clock,
      onAttempt: ({ ok, durationMs, error }) => {
        const result = ok ? 'ok' : isGatewayError(error) ? error.code : 'error';
        metrics.countUpstreamFetch(document, result, durationMs);
      },
      onStateChange: (state, error) => {
        if (state === 'failing') {
          const hasCached = this[document].value !== undefined;
          logger.error(
            'upstream_fetch_failed',
            hasCached
              ? 'upstream fetch failed; serving the last good document until a fetch succeeds or MAX_STALE_SECONDS pass after its expiry'
              : 'upstream fetch failed; nothing cached, answering 502 until a fetch succeeds',
            { document, error: describeError(error), has_cached: hasCached },
          );
        } else if (state === 'expired') {
          logger.error(
            'stale_expired',
            'stale document dropped after MAX_STALE_SECONDS; answering 502 until the upstream recovers',
            { document },
          );
        } else {
          logger.info('upstream_recovered', 'upstream fetch recovered', { document });
        }
      },
    });
  }

  private async load(source: DocumentSource, document: DocumentName): Promise<PreparedDocument> {
    const { settings } = this.options;
    const rendered =
      document === 'discovery'
        ? await fetchDiscovery(source, settings.normalize)
        : await fetchJwks(source, settings.normalize);
    if (rendered.kind === 'discovery' && rendered.jwksUriRewrittenFrom) {
      this.warnRewrite(rendered.jwksUriRewrittenFrom, rendered.document.jwks_uri);
    }
    return prepareDocument(rendered, settings.clientCacheTtlSeconds);
  }

  private warnRewrite(from: string, to: string): void {
    const rewrite = `${from} -> ${to}`;
    if (rewrite === this.warnedRewrite) return;
    this.warnedRewrite = rewrite;
    this.options.logger.warn(
      'jwks_uri_rewritten',
      'jwks_uri is not on the issuer origin; publishing the issuer-relative URL instead',
      {
        upstream_jwks_uri: from,
        jwks_uri: to,
        hint: 'set --service-account-jwks-uri on the API server, or JWKS_URI=keep to serve it as is',
      },
    );
  }
}

/** A cache with nothing to fetch from: empty for good, each get() refused at once. */
function unavailableCache(reason: string): DocumentCache {
  return {
    value: undefined,
    fetchedAt: 0,
    servingStale: false,
    get: () => Promise.reject(new GatewayError('CONFIG_INVALID', reason)),
    stop: () => {},
  };
}
