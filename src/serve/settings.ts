/**
 * serve's settings: the Go gateway's variables with the same defaults, each also a flag,
 * plus the few this implementation adds; with the upstream and rendering settings every
 * mode shares, they are what both the yargs command and the yargs-free fast path read.
 */
import { renderingSettings } from '../core/rendering-settings.js';
import * as kind from '../core/setting-kinds.js';
import { type CommandSettings, setting } from '../core/setting-table.js';
import { upstreamSettings } from '../core/upstream-settings.js';

export const serveSettings = {
  listenAddr: setting({
    flag: 'listen-addr',
    env: 'LISTEN_ADDR',
    describe: 'Bind address',
    kind: kind.text(),
    default: '0.0.0.0',
  }),
  listenPort: setting({
    flag: 'listen-port',
    env: 'LISTEN_PORT',
    describe: 'HTTP listen port (0 picks a free port)',
    kind: kind.integer(0, 65535),
    default: 8080,
  }),
  cacheTtlSeconds: setting({
    flag: 'cache-ttl-seconds',
    env: 'CACHE_TTL_SECONDS',
    describe: 'How long a fetched document is fresh; it is refreshed in the background before then',
    kind: kind.integer(1, 86400),
    default: 60,
  }),
  clientCacheTtlSeconds: setting({
    flag: 'client-cache-ttl-seconds',
    env: 'CLIENT_CACHE_TTL_SECONDS',
    describe: 'max-age and Expires advertised to clients, in seconds',
    kind: kind.integer(0, 31536000),
    default: 3600,
  }),
  maxStaleSeconds: setting({
    flag: 'max-stale-seconds',
    env: 'MAX_STALE_SECONDS',
    describe: 'How long the last good document is served after the upstream starts failing',
    // 21 days: the cache waits out TTL + max-stale with one timer, and Node fires a timer
    // longer than 2^31-1 ms (24.8 days) at once; with the longest TTL (1 day) this is 22 days.
    kind: kind.integer(0, 1814400),
    default: 86400,
  }),
  logFormat: setting({
    flag: 'log-format',
    env: 'LOG_FORMAT',
    describe: 'json, or text for the Go gateway’s key=value lines',
    kind: kind.choice(['json', 'text']),
    default: 'json',
  }),
  logLevel: setting({
    flag: 'log-level',
    env: 'LOG_LEVEL',
    describe: 'debug, info, warn or error',
    kind: kind.choice(['debug', 'info', 'warn', 'error']),
    default: 'info',
  }),
};

/** Every table serve reads, in `--help` order. */
export const serveCommandSettings: CommandSettings = [
  { table: serveSettings },
  { table: upstreamSettings, group: 'Upstream:' },
  { table: renderingSettings, group: 'Rendering:' },
];
