/**
 * serve's configuration: the Go gateway's variables with the same defaults, each also a
 * flag, plus the few this implementation adds.
 */

import { parseChoice, parseInteger, parseString, resolveAll, type Setting } from '../core/settings.js';
import { type ResolvedSourceSettings, resolveSourceSettings } from '../core/source-settings.js';

export const serveSettings = {
  listenAddr: {
    flag: 'listen-addr',
    env: 'LISTEN_ADDR',
    describe: 'Bind address',
    default: '0.0.0.0',
    parse: parseString,
  },
  listenPort: {
    flag: 'listen-port',
    env: 'LISTEN_PORT',
    describe: 'HTTP listen port (0 picks a free port)',
    default: '8080',
    parse: parseInteger(0, 65535),
  },
  cacheTtlSeconds: {
    flag: 'cache-ttl-seconds',
    env: 'CACHE_TTL_SECONDS',
    describe: 'How long a fetched document is fresh; it is refreshed in the background before then',
    default: '60',
    parse: parseInteger(1, 86400),
  },
  clientCacheTtlSeconds: {
    flag: 'client-cache-ttl-seconds',
    env: 'CLIENT_CACHE_TTL_SECONDS',
    describe: 'max-age and Expires advertised to clients, in seconds',
    default: '3600',
    parse: parseInteger(0, 31536000),
  },
  maxStaleSeconds: {
    flag: 'max-stale-seconds',
    env: 'MAX_STALE_SECONDS',
    describe: 'How long the last good document is served after the upstream starts failing',
    default: '86400',
    // 21 days: longer than Node timers can wait in one step, and longer than any token lives.
    parse: parseInteger(0, 1814400),
  },
  logFormat: {
    flag: 'log-format',
    env: 'LOG_FORMAT',
    describe: 'json, or text for the Go gateway’s key=value lines',
    default: 'json',
    parse: parseChoice(['json', 'text'] as const),
  },
  logLevel: {
    flag: 'log-level',
    env: 'LOG_LEVEL',
    describe: 'debug, info, warn or error',
    default: 'info',
    parse: parseChoice(['debug', 'info', 'warn', 'error'] as const),
  },
} satisfies Record<string, Setting<unknown>>;

export interface ServeConfig extends ResolvedSourceSettings {
  listenAddr: string;
  listenPort: number;
  cacheTtlMs: number;
  clientCacheTtlSeconds: number;
  maxStaleMs: number;
  logFormat: 'json' | 'text';
  logLevel: 'debug' | 'info' | 'warn' | 'error';
}

export function resolveServeConfig(
  argv: Record<string, unknown>,
  env: Record<string, string | undefined>,
): ServeConfig {
  const s = resolveAll(serveSettings, argv, env);
  return {
    ...resolveSourceSettings(argv, env),
    listenAddr: s.listenAddr as string,
    listenPort: s.listenPort as number,
    cacheTtlMs: (s.cacheTtlSeconds as number) * 1000,
    clientCacheTtlSeconds: s.clientCacheTtlSeconds as number,
    maxStaleMs: (s.maxStaleSeconds as number) * 1000,
    logFormat: s.logFormat ?? 'json',
    logLevel: s.logLevel ?? 'info',
  };
}
