/**
 * What one client can make `serve` hold or do. Invariants:
 * - A connection has at most `maxPipelined` responses waiting behind the one being sent.
 *   The request that would pass that closes the connection, and the rest of the read it
 *   came in is not parsed: no request objects are made for it.
 * - At most `maxConnections` connections are open; Node closes further ones on accept.
 * - A request's headers arrive within `headersTimeoutMs`, the whole request within
 *   `requestTimeoutMs` (Node answers 408 and closes), checked every `timeoutCheckIntervalMs`.
 * - A connection with answers waiting on which nothing moves for `stallTimeoutMs` (a
 *   client that stopped reading) is closed.
 * - Idle keep-alive connections close after `keepAliveTimeoutMs`.
 * Every cut is reported through `onCut`, which counts and logs it.
 */
import type { IncomingMessage, RequestListener, Server, ServerOptions, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { http } from '../core/node-http.js';

export interface ClientLimits {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  /** How often Node looks for requests past the two timeouts above; its default is 30 s. */
  timeoutCheckIntervalMs: number;
  stallTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxPipelined: number;
  maxConnections: number;
  maxHeaderBytes: number;
}

export const CLIENT_LIMITS: ClientLimits = {
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
  timeoutCheckIntervalMs: 1_000,
  stallTimeoutMs: 30_000,
  // Longer than common load balancer idle timeouts (AWS ALB 60 s) so the balancer closes first.
  keepAliveTimeoutMs: 65_000,
  maxPipelined: 8,
  maxConnections: 1024,
  maxHeaderBytes: 8 * 1024,
};

export type CutReason = 'pipelining' | 'max_connections';

/** Told of every connection cut; `client` is the peer address when known. */
export type CutListener = (reason: CutReason, client: string | undefined) => void;

/** Creates the HTTP server with every limit above applied around `handler`. */
export function createLimitedServer(
  handler: RequestListener,
  limits: ClientLimits,
  onCut: CutListener,
): Server {
  const options: ServerOptions = {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    connectionsCheckingInterval: limits.timeoutCheckIntervalMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    maxHeaderSize: limits.maxHeaderBytes,
    // Node >= 24.12 (ignored before): a request without a body gets an already-ended
    // stream instead of the events of an empty one; the handler never reads bodies.
    optimizeEmptyRequests: true,
  };
  const server = http.createServer(options, limitPipelining(handler, limits, onCut));
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxRequestsPerSocket = 0;
  server.maxConnections = limits.maxConnections;
  server.on('drop', (data) => onCut('max_connections', data?.remoteAddress));
  return server;
}

/** Responses made while an earlier one on the same connection was still unsent, per connection. */
const waitingResponses = new WeakMap<Socket, number>();

/**
 * Node answers pipelined requests in order, holding later responses in memory until the
 * earlier ones are sent; a client that pipelines without reading would make it hold one
 * for every request it can send. Counting starts only when a response has to wait
 * (`response.socket` is null until its turn), so ordinary traffic pays one property read.
 */
function limitPipelining(
  handler: RequestListener,
  limits: ClientLimits,
  onCut: CutListener,
): RequestListener {
  const { maxPipelined, stallTimeoutMs } = limits;
  return function pipelineLimited(request: IncomingMessage, response: ServerResponse): void {
    if (response.socket !== null) {
      handler(request, response);
      return;
    }
    const socket = request.socket;
    // Requests parsed from a read after its connection was cut (when the parse could not be stopped).
    if (socket.destroyed) return;
    const waiting = (waitingResponses.get(socket) ?? 0) + 1;
    if (waiting > maxPipelined) {
      onCut('pipelining', socket.remoteAddress);
      cutConnection(socket);
      return;
    }
    waitingResponses.set(socket, waiting);
    response.once('close', () => waitingResponses.set(socket, (waitingResponses.get(socket) ?? 1) - 1));
    // Answers are waiting: if the client stops reading, nothing moves on the socket any
    // more and Node destroys it when this inactivity timeout fires. Node replaces it with
    // the keep-alive timeout once the answers are out. Armed here, not for every request
    // (server.timeout), which would cost a timer update per request.
    if (waiting === 1) socket.setTimeout(stallTimeoutMs);
    handler(request, response);
  };
}

/**
 * Node's HTTP parser reads a socket in C++ 64 KiB at a time and parses the whole read,
 * up to thousands of pipelined requests, even after the socket is destroyed: each would
 * still become a request/response pair, all held until the socket's close callback, so
 * 50 flooding connections read in one event-loop turn could hold over 100 MiB.
 * The parser calls its `onIncoming` for each request and stops the read's parse when
 * that returns 2 (llhttp's "no body, stop here", as for an Upgrade). `socket.parser`
 * is Node's own and undocumented: without it the socket is still destroyed, only the
 * rest of that one read is parsed in vain (test/faults/serve-flood.test.ts notices).
 */
function cutConnection(socket: Socket): void {
  socket.destroy();
  const parser = (socket as Socket & { parser?: { onIncoming?: unknown } | null }).parser;
  if (parser && typeof parser.onIncoming === 'function') parser.onIncoming = stopParsing;
}

function stopParsing(): number {
  return 2;
}
