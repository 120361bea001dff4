/**
 * The request handler: exactly the documented routes, answered from precomputed
 * responses. Upstream details never reach a client; they go to the log.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Logger } from '../core/log.js';
import type { DocumentCache, DocumentCaches } from './document-caches.js';
import type { DocumentName, GatewayMetrics, RouteLabel } from './metrics.js';
import { type ExpiresClock, ifNoneMatchMatches, type PreparedDocument, withExpires } from './responses.js';

export interface HandlerDeps {
  caches: DocumentCaches;
  metrics: GatewayMetrics;
  logger: Logger;
  expires: ExpiresClock;
  /** Set once shutdown has begun: readiness fails so load balancers drain this pod. */
  isShuttingDown: () => boolean;
}

type DocumentRoute = { kind: 'document'; label: RouteLabel; document: DocumentName; cache: DocumentCache };
type Route = DocumentRoute | { kind: 'healthz' | 'readyz' | 'metrics'; label: RouteLabel };

/** The routes, each document route holding its cache so a request looks up one map. */
function routesOf(caches: DocumentCaches): Map<string, Route> {
  const document = (label: RouteLabel, name: DocumentName): Route => ({
    kind: 'document',
    label,
    document: name,
    cache: caches[name],
  });
  return new Map<string, Route>([
    ['/.well-known/openid-configuration', document('/.well-known/openid-configuration', 'discovery')],
    ['/openid/v1/jwks', document('/openid/v1/jwks', 'jwks')],
    ['/healthz', { kind: 'healthz', label: '/healthz' }],
    ['/readyz', { kind: 'readyz', label: '/readyz' }],
    ['/metrics', { kind: 'metrics', label: '/metrics' }],
  ]);
}

/** One request being answered: what every way of answering it needs. */
interface Exchange {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  /** The request path without the query string, as logged. */
  readonly path: string;
  readonly route: RouteLabel;
  /** performance.now() when the request reached the handler. */
  readonly started: number;
}

const TEXT_HEADERS = { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' };
const PLAIN = {
  ok: Buffer.from('ok\n'),
  notFound: Buffer.from('404 page not found\n'),
  methodNotAllowed: Buffer.from('405 method not allowed\n'),
  badGateway: Buffer.from('502 bad gateway\n'),
  notReady: Buffer.from('503 not ready\n'),
  internalError: Buffer.from('500 internal server error\n'),
};

/**
 * If-None-Match read from rawHeaders: `request.headers` is built lazily on first access,
 * and the request path needs this one header only.
 */
function ifNoneMatchOf(request: IncomingMessage): string | undefined {
  const raw = request.rawHeaders;
  let value: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.length === 13 && name.toLowerCase() === 'if-none-match') {
      // Several fields make one list (RFC 9110 §5.3), as Node's own `headers` joins them.
      value = value === undefined ? raw[i + 1] : `${value}, ${raw[i + 1]}`;
    }
  }
  return value;
}

export function createHandler(deps: HandlerDeps) {
  const routes = routesOf(deps.caches);
  return function handle(request: IncomingMessage, response: ServerResponse): void {
    const started = performance.now();
    const url = request.url ?? '/';
    const queryAt = url.indexOf('?');
    const path = queryAt === -1 ? url : url.slice(0, queryAt);
    const route = routes.get(path);
    if (!route) {
      plain(deps, { request, response, path, route: 'other', started }, 404, PLAIN.notFound);
      return;
    }
    const exchange: Exchange = { request, response, path, route: route.label, started };
    const method = request.method;
    if (method !== 'GET' && method !== 'HEAD') {
      plain(deps, exchange, 405, PLAIN.methodNotAllowed, { allow: 'GET, HEAD' });
      return;
    }

    switch (route.kind) {
      case 'document':
        serveDocumentRoute(deps, exchange, route);
        return;
      case 'healthz':
        // Liveness answers from the process alone: an API server outage must not restart
        // the pods and throw away the stale cache.
        plain(deps, exchange, 200, PLAIN.ok);
        return;
      case 'readyz':
        ready(deps).then((isReady) =>
          plain(deps, exchange, isReady ? 200 : 503, isReady ? PLAIN.ok : PLAIN.notReady),
        );
        return;
      case 'metrics':
        serveMetrics(deps, exchange);
        return;
    }
  };
}

function finish(
  deps: HandlerDeps,
  exchange: Exchange,
  status: number,
  headers: OutgoingHttpHeaders | string[],
  body: Buffer | string | undefined,
  cacheHit: boolean,
): void {
  const { request, response, path } = exchange;
  // During shutdown, finish this request and close the connection instead of keeping it alive.
  if (deps.isShuttingDown()) response.shouldKeepAlive = false;
  response.writeHead(status, headers);
  response.end(request.method === 'HEAD' ? undefined : body);
  deps.metrics.countRequest(exchange.route, status);
  deps.logger.request({ path, status, cacheHit, durationMs: performance.now() - exchange.started });
}

function plain(
  deps: HandlerDeps,
  exchange: Exchange,
  status: number,
  body: Buffer,
  extra?: OutgoingHttpHeaders,
): void {
  const headers = { ...TEXT_HEADERS, 'content-length': String(body.length), ...extra };
  finish(deps, exchange, status, headers, body, false);
}

/** The hot path: a cached document is answered at once; a miss waits for the fill under way (or starts one). */
function serveDocumentRoute(deps: HandlerDeps, exchange: Exchange, route: DocumentRoute): void {
  const cached = route.cache.value;
  if (cached !== undefined) {
    deps.metrics.countCache('hit', route.document);
    serveDocument(deps, exchange, cached, true);
    return;
  }
  deps.metrics.countCache('miss', route.document);
  route.cache.get().then(
    (prepared) => serveDocument(deps, exchange, prepared, false),
    () => plain(deps, exchange, 502, PLAIN.badGateway),
  );
}

function serveDocument(
  deps: HandlerDeps,
  exchange: Exchange,
  prepared: PreparedDocument,
  cacheHit: boolean,
): void {
  if (ifNoneMatchMatches(ifNoneMatchOf(exchange.request), prepared.etag)) {
    const headers = withExpires(prepared.notModifiedHeaders, deps.expires.now());
    finish(deps, exchange, 304, headers, undefined, cacheHit);
    return;
  }
  const headers = withExpires(prepared.okHeaders, deps.expires.now());
  finish(deps, exchange, 200, headers, prepared.body, cacheHit);
}

async function ready(deps: HandlerDeps): Promise<boolean> {
  if (deps.isShuttingDown()) return false;
  try {
    // Shared with any fill already under way, so probes never multiply upstream traffic.
    await Promise.all([deps.caches.discovery.get(), deps.caches.jwks.get()]);
    return true;
  } catch {
    return false;
  }
}

function serveMetrics(deps: HandlerDeps, exchange: Exchange): void {
  const { registry } = deps.metrics;
  registry.metrics().then(
    (text) => {
      const headers = { 'content-type': registry.contentType, 'cache-control': 'no-store' };
      finish(deps, exchange, 200, headers, text, false);
    },
    (error: unknown) => {
      deps.logger.error('metrics_failed', 'metrics collection failed', { error: String(error) });
      plain(deps, exchange, 500, PLAIN.internalError);
    },
  );
}
