/**
 * `serve`: puts the parts together (source, document caches, metrics, handler, client
 * limits), listens, and shuts down gracefully on SIGTERM/SIGINT. Each part is its own
 * module; this one only wires them and owns the process's lifecycle.
 */
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeError, reasonOf } from '../core/errors.js';
import { createLogger, type Logger } from '../core/log.js';
import { openSource } from '../core/source.js';
import { chooseSource, pinned } from '../core/source-choice.js';
import { CLIENT_LIMITS, type ClientLimits, createLimitedServer } from './client-limits.js';
import { type Clock, systemClock } from './clock.js';
import type { ServeConfig } from './config.js';
import { CutReporter } from './cut-report.js';
import { DocumentCaches } from './document-caches.js';
import { createHandler } from './handler.js';
import { exposedCollector, HeapRelief } from './heap-relief.js';
import { GatewayMetrics } from './metrics.js';
import { ExpiresClock } from './responses.js';

/** How long in-flight requests get to finish after SIGTERM before connections are cut. */
const SHUTDOWN_GRACE_MS = 10_000;

export interface GatewayOptions {
  limits?: ClientLimits;
  /** Times the caches, Expires and the metrics' ages; the system clock by default (tests move their own). */
  clock?: Clock;
}

export interface RunningGateway {
  server: http.Server;
  port: number;
  close(): Promise<void>;
}

export async function startGateway(
  config: ServeConfig,
  logger: Logger,
  { limits = CLIENT_LIMITS, clock = systemClock }: GatewayOptions = {},
): Promise<RunningGateway> {
  // No way to the API server is no reason to crash-loop: say so once, stay up and not ready.
  const choice = await chooseSource(config.source);
  if (choice.kind === 'none') {
    logger.error('source_missing', 'no way to reach the API server; not ready until restarted with one', {
      error: choice.message,
    });
  }
  const source = choice.kind === 'none' ? undefined : await openSource(pinned(config.source, choice));
  let shuttingDown = false;

  // The metrics read the caches only on scrape, so they can be made first.
  const metrics = new GatewayMetrics({
    documentState: (document) => caches.state(document),
    droppedLogLines: () => logger.droppedLines(),
    now: () => clock.now(),
  });
  const caches = new DocumentCaches({
    source,
    unavailable: choice.kind === 'none' ? choice.message : undefined,
    settings: config,
    metrics,
    logger,
    clock,
  });
  const handler = createHandler({
    caches,
    metrics,
    logger,
    expires: new ExpiresClock(config.clientCacheTtlSeconds, clock),
    isShuttingDown: () => shuttingDown,
  });

  const relief = new HeapRelief(exposedCollector(), (durationMs) =>
    logger.debug('heap_collected', 'collected garbage after cut connections', {
      duration_ms: Math.round(durationMs),
    }),
  );
  const cuts = new CutReporter(logger, limits, (reason) => {
    metrics.countCut(reason);
    relief.noteCut();
  });
  const server = createLimitedServer(handler, limits, cuts.onCut);

  const port = await listen(server, config.listenAddr, config.listenPort);
  logger.info('listening', 'listening', {
    address: config.listenAddr,
    port,
    upstream: source?.description ?? 'none',
    cache_ttl_seconds: config.cacheTtlMs / 1000,
    client_cache_ttl_seconds: config.clientCacheTtlSeconds,
  });

  return {
    server,
    port,
    close: async () => {
      shuttingDown = true;
      cuts.stop();
      relief.stop();
      caches.stop();
      await closeServer(server);
      source?.close();
    },
  };
}

/** Listens; resolves with the port (the one picked when `port` is 0). */
async function listen(server: http.Server, address: string, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    // In words: `the address is already in use (EADDRINUSE)`, not Node's `listen EADDRINUSE: …`.
    const failed = (error: Error) =>
      reject(new Error(`cannot listen on ${address}:${port}: ${reasonOf(error)}`));
    server.once('error', failed);
    server.listen(port, address, () => {
      server.off('error', failed);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

/**
 * Stops accepting, lets in-flight requests finish (the handler closes their connections),
 * and cuts what is still open after the grace period.
 */
async function closeServer(server: http.Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // Idle keep-alive sockets would hold close() open until their timeout; in-flight ones finish first.
  server.closeIdleConnections();
  const force = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS).unref();
  await closed;
  clearTimeout(force);
}

export async function runServe(config: ServeConfig): Promise<void> {
  const logger = createLogger({ format: config.logFormat, level: config.logLevel, buffered: true });
  let gateway: RunningGateway;
  try {
    gateway = await startGateway(config, logger);
  } catch (error) {
    logger.error('startup_failed', 'startup failed', { error: describeError(error) });
    logger.flush();
    throw error;
  }
  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      logger.info('shutting_down', 'shutting down', { signal });
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      gateway.close().then(resolve, resolve);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  logger.info('stopped', 'stopped');
  logger.flush();
}
