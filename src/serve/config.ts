/** serve's settings resolved into the configuration the server runs on. */
import type { NormalizeOptions } from '../core/documents.js';
import { resolveRendering } from '../core/rendering-settings.js';
import { type Env, type GivenFlags, resolveSettings } from '../core/setting-table.js';
import type { SourceOptions } from '../core/source.js';
import { resolveUpstream } from '../core/upstream-settings.js';
import { serveSettings } from './settings.js';

export interface ServeConfig {
  source: SourceOptions;
  normalize: NormalizeOptions;
  listenAddr: string;
  listenPort: number;
  cacheTtlMs: number;
  clientCacheTtlSeconds: number;
  maxStaleMs: number;
  logFormat: 'json' | 'text';
  logLevel: 'debug' | 'info' | 'warn' | 'error';
}

export function resolveServeConfig(argv: GivenFlags, env: Env): ServeConfig {
  const s = resolveSettings(serveSettings, argv, env);
  return {
    source: resolveUpstream(argv, env, 'run it in a pod with its ServiceAccount token mounted'),
    normalize: resolveRendering(argv, env),
    listenAddr: s.listenAddr,
    listenPort: s.listenPort,
    cacheTtlMs: s.cacheTtlSeconds * 1000,
    clientCacheTtlSeconds: s.clientCacheTtlSeconds,
    maxStaleMs: s.maxStaleSeconds * 1000,
    logFormat: s.logFormat,
    logLevel: s.logLevel,
  };
}
