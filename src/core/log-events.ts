/**
 * Every log line other than a request line carries one of these as its `event` field: a
 * stable name for log queries and alerts to match, while `msg` is for people and may be
 * reworded. The list is the interface (docs/reference/log-events.md has a row for each): a
 * new kind of line gets a new name here first; a name is never reused for something else.
 */
export const LOG_EVENTS = [
  /** serve is accepting connections (address, port, upstream, TTLs). */
  'listening',
  /** serve could not start (the error); the process exits non-zero. */
  'startup_failed',
  /** serve found no way to the API server (error: where it looked, what to give); it stays up, not ready. */
  'source_missing',
  /** SIGTERM/SIGINT received (signal): readiness fails, in-flight requests finish. */
  'shutting_down',
  /** Shut down cleanly; the process exits 0. */
  'stopped',
  /** A document's fetch failed after it last succeeded, or at a cold start (document, error, has_cached). */
  'upstream_fetch_failed',
  /** A fetch succeeded again after failures (document). */
  'upstream_recovered',
  /** The stale document passed MAX_STALE_SECONDS and is no longer served: its route answers 502 (document). */
  'stale_expired',
  /** JWKS_URI=auto moved the API server's jwks_uri onto the issuer (upstream_jwks_uri, jwks_uri). */
  'jwks_uri_rewritten',
  /** The client limits closed or refused connections (reason, connections, last_client). */
  'connections_cut',
  /** A full collection after cut connections gave memory back (duration_ms; debug level). */
  'heap_collected',
  /** /metrics could not be collected (error); the scrape got 500. */
  'metrics_failed',
] as const;

export type LogEvent = (typeof LOG_EVENTS)[number];
