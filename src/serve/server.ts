/**
 * `serve`: wires the shared core to the cache, handler, metrics and logger, listens,
 * and shuts down gracefully on SIGTERM/SIGINT.
 */
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fetchDiscovery, fetchJwks } from '../core/documents.js';
import { describeError, isGatewayError } from '../core/errors.js';
import { createLogger, type Logger } from '../core/log.js';
import { createSource, type DocumentSource } from '../core/source.js';
import { RefreshingCache } from './cache.js';
import { CLIENT_LIMITS, type ClientLimits, createLimitedServer } from './client-limits.js';
import type { ServeConfig } from './config.js';
import { CutReporter } from './cut-report.js';
import { createHandler } from './handler.js';
import { exposedCollector, HeapRelief } from './heap-relief.js';
import { type DocumentName, GatewayMetrics } from './metrics.js';
import { ExpiresClock, type PreparedDocument, prepareDocument } from './responses.js';

/** How long in-flight requests get to finish after SIGTERM before connections are cut. */
const SHUTDOWN_GRACE_MS = 10_000;

export interface RunningGateway {
  server: http.Server;
  port: number;
  close(): Promise<void>;
}

export async function startGateway(
  config: ServeConfig,
  logger: Logger,
  limits: ClientLimits = CLIENT_LIMITS,
): Promise<RunningGateway> {
  const source = await createSource(config.source);
  let shuttingDown = false;

  const metrics: GatewayMetrics = new GatewayMetrics((document) => {
    const cache = caches[document];
    const rendered = cache.value?.rendered;
    return {
      fetchedAt: cache.fetchedAt,
      servingStale: cache.servingStale,
      ...(rendered?.kind === 'jwks' ? { keyCount: rendered.kids.length } : {}),
    };
  });
  metrics.droppedLogLines = () => logger.droppedLines();

  let warnedRewrite = '';
  const load = async (document: DocumentName): Promise<PreparedDocument> => {
    const rendered =
      document === 'discovery'
        ? await fetchDiscovery(source, config.normalize)
        : await fetchJwks(source, config.normalize);
    if (rendered.kind === 'discovery' && rendered.jwksUriRewrittenFrom) {
      const note = `${rendered.jwksUriRewrittenFrom} -> ${rendered.document.jwks_uri}`;
      if (note !== warnedRewrite) {
        warnedRewrite = note;
        logger.warn('jwks_uri is not on the issuer origin; publishing the issuer-relative URL instead', {
          upstream_jwks_uri: rendered.jwksUriRewrittenFrom,
          jwks_uri: rendered.document.jwks_uri,
          hint: 'set --service-account-jwks-uri on the API server, or JWKS_URI=keep to serve it as is',
        });
      }
    }
    return prepareDocument(rendered, config.clientCacheTtlSeconds);
  };

  const makeCache = (document: DocumentName) =>
    new RefreshingCache(() => load(document), {
      ttlMs: config.cacheTtlMs,
      maxStaleMs: config.maxStaleMs,
      onAttempt: ({ ok, durationMs, error }) => {
        metrics.upstreamDuration.labels({ document }).observe(durationMs / 1000);
        const result = ok ? 'ok' : isGatewayError(error) ? error.code : 'error';
        metrics.upstreamFetches.labels({ document, result }).inc();
      },
      onStateChange: (state, error) => {
        if (state === 'failing') {
          logger.error('upstream fetch failed; serving the last good document while it lasts', {
            document,
            error: describeError(error),
            has_cached: caches[document].value !== undefined,
          });
        } else if (state === 'expired') {
          logger.error(
            'stale document dropped after MAX_STALE_SECONDS; answering 502 until the upstream recovers',
            {
              document,
            },
          );
        } else {
          logger.info('upstream fetch recovered', { document });
        }
      },
    });
  const caches: Record<DocumentName, RefreshingCache<PreparedDocument>> = {
    discovery: makeCache('discovery'),
    jwks: makeCache('jwks'),
  };

  const handler = createHandler({
    caches,
    metrics,
    logger,
    expires: new ExpiresClock(config.clientCacheTtlSeconds),
    isShuttingDown: () => shuttingDown,
  });

  const relief = new HeapRelief(exposedCollector(), (durationMs) =>
    logger.debug('collected garbage after cut connections', { duration_ms: Math.round(durationMs) }),
  );
  const cuts = new CutReporter(logger, limits, (reason) => {
    metrics.countCut(reason);
    relief.noteCut();
  });
  const server = createLimitedServer(handler, limits, cuts.onCut);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.listenPort, config.listenAddr, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  logger.info('listening', {
    address: config.listenAddr,
    port,
    upstream: source.description,
    cache_ttl_seconds: config.cacheTtlMs / 1000,
    client_cache_ttl_seconds: config.clientCacheTtlSeconds,
  });

  return {
    server,
    port,
    close: () => {
      shuttingDown = true;
      cuts.stop();
      relief.stop();
      return closeServer(server, source, Object.values(caches));
    },
  };
}

async function closeServer(
  server: http.Server,
  source: DocumentSource,
  caches: RefreshingCache<unknown>[],
): Promise<void> {
  for (const cache of caches) cache.stop();
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // Idle keep-alive sockets would hold close() open until their timeout; in-flight ones finish first.
  server.closeIdleConnections();
  const force = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS).unref();
  await closed;
  clearTimeout(force);
  source.close();
}

export async function runServe(config: ServeConfig): Promise<void> {
  const logger = createLogger({ format: config.logFormat, level: config.logLevel, buffered: true });
  let gateway: RunningGateway;
  try {
    gateway = await startGateway(config, logger);
  } catch (error) {
    logger.error('startup failed', { error: describeError(error) });
    logger.flush();
    throw error;
  }
  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      logger.info('shutting down', { signal });
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      gateway.close().then(resolve, resolve);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  logger.info('stopped');
  logger.flush();
}
