/**
 * The request handler: exactly the documented routes, answered from precomputed
 * responses. Upstream details never reach a client; they go to the log.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Logger } from '../core/log.js';
import type { RefreshingCache } from './cache.js';
import type { DocumentName, GatewayMetrics, RouteLabel } from './metrics.js';
import { type ExpiresClock, ifNoneMatchMatches, type PreparedDocument, withExpires } from './responses.js';

export interface HandlerDeps {
  caches: Record<DocumentName, RefreshingCache<PreparedDocument>>;
  metrics: GatewayMetrics;
  logger: Logger;
  expires: ExpiresClock;
  /** Set once shutdown has begun: readiness fails so load balancers drain this pod. */
  isShuttingDown: () => boolean;
}

type Route =
  | { kind: 'document'; label: RouteLabel; document: DocumentName }
  | { kind: 'healthz' | 'readyz' | 'metrics'; label: RouteLabel };

const ROUTES = new Map<string, Route>([
  [
    '/.well-known/openid-configuration',
    { kind: 'document', label: '/.well-known/openid-configuration', document: 'discovery' },
  ],
  ['/openid/v1/jwks', { kind: 'document', label: '/openid/v1/jwks', document: 'jwks' }],
  ['/healthz', { kind: 'healthz', label: '/healthz' }],
  ['/readyz', { kind: 'readyz', label: '/readyz' }],
  ['/metrics', { kind: 'metrics', label: '/metrics' }],
]);

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
  const { caches, metrics, logger, expires } = deps;

  function finish(
    request: IncomingMessage,
    response: ServerResponse,
    path: string,
    route: RouteLabel,
    status: number,
    headers: OutgoingHttpHeaders | string[],
    body: Buffer | string | undefined,
    started: number,
    cacheHit: boolean,
  ): void {
    // During shutdown, finish this request and close the connection instead of keeping it alive.
    if (deps.isShuttingDown()) response.shouldKeepAlive = false;
    response.writeHead(status, headers);
    response.end(request.method === 'HEAD' ? undefined : body);
    metrics.countRequest(route, status);
    logger.request({ path, status, cacheHit, durationMs: performance.now() - started });
  }

  function plain(
    request: IncomingMessage,
    response: ServerResponse,
    path: string,
    route: RouteLabel,
    status: number,
    body: Buffer,
    started: number,
    extra?: OutgoingHttpHeaders,
  ): void {
    const headers = { ...TEXT_HEADERS, 'content-length': String(body.length), ...extra };
    finish(request, response, path, route, status, headers, body, started, false);
  }

  function serveDocument(
    request: IncomingMessage,
    response: ServerResponse,
    path: string,
    route: RouteLabel,
    prepared: PreparedDocument,
    started: number,
    cacheHit: boolean,
  ): void {
    if (ifNoneMatchMatches(ifNoneMatchOf(request), prepared.etag)) {
      const headers = withExpires(prepared.notModifiedHeaders, expires.now());
      finish(request, response, path, route, 304, headers, undefined, started, cacheHit);
      return;
    }
    const headers = withExpires(prepared.okHeaders, expires.now());
    finish(request, response, path, route, 200, headers, prepared.body, started, cacheHit);
  }

  async function ready(): Promise<boolean> {
    if (deps.isShuttingDown()) return false;
    try {
      // Shared with any fill already under way, so probes never multiply upstream traffic.
      await Promise.all([caches.discovery.get(), caches.jwks.get()]);
      return true;
    } catch {
      return false;
    }
  }

  return function handle(request: IncomingMessage, response: ServerResponse): void {
    const started = performance.now();
    const url = request.url ?? '/';
    const queryAt = url.indexOf('?');
    const path = queryAt === -1 ? url : url.slice(0, queryAt);
    const route = ROUTES.get(path);
    if (!route) {
      plain(request, response, path, 'other', 404, PLAIN.notFound, started);
      return;
    }
    const method = request.method;
    if (method !== 'GET' && method !== 'HEAD') {
      plain(request, response, path, route.label, 405, PLAIN.methodNotAllowed, started, {
        allow: 'GET, HEAD',
      });
      return;
    }

    switch (route.kind) {
      case 'document': {
        const cache = caches[route.document];
        const cached = cache.value;
        if (cached !== undefined) {
          metrics.countCache('hit', route.document);
          serveDocument(request, response, path, route.label, cached, started, true);
          return;
        }
        metrics.countCache('miss', route.document);
        cache.get().then(
          (prepared) => serveDocument(request, response, path, route.label, prepared, started, false),
          () => plain(request, response, path, route.label, 502, PLAIN.badGateway, started),
        );
        return;
      }
      case 'healthz':
        // Liveness answers from the process alone: an API server outage must not restart
        // the pods and throw away the stale cache.
        plain(request, response, path, route.label, 200, PLAIN.ok, started);
        return;
      case 'readyz':
        ready().then((isReady) =>
          plain(
            request,
            response,
            path,
            route.label,
            isReady ? 200 : 503,
            isReady ? PLAIN.ok : PLAIN.notReady,
            started,
          ),
        );
        return;
      case 'metrics':
        metrics.registry.metrics().then(
          (text) => {
            const headers = { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' };
            finish(request, response, path, route.label, 200, headers, text, started, false);
          },
          (error: unknown) => {
            logger.error('metrics collection failed', { error: String(error) });
            plain(request, response, path, route.label, 500, PLAIN.internalError, started);
          },
        );
        return;
    }
  };
}
