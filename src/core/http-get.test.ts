import http from 'node:http';
import type { AddressInfo, LookupFunction, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { GatewayError } from './errors.js';
import { getJson } from './http-get.js';

let server: http.Server | undefined;
const sockets = new Set<Socket>();

afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  if (server?.listening) await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

async function listen(handler: http.RequestListener): Promise<URL> {
  server = http.createServer(handler);
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/doc`);
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as GatewayError).code;
  }
  return 'no error';
}

describe('getJson', () => {
  it('retries once on a kept-alive socket the server has closed meanwhile', async () => {
    const url = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
    const agent = new http.Agent({ keepAlive: true });
    expect(await getJson({ url, timeoutMs: 2000, requestOptions: { agent } })).toEqual({ ok: true });
    // The server drops the idle connection; the client has not noticed yet when it reuses it.
    for (const socket of sockets) socket.destroy();
    expect(await getJson({ url, timeoutMs: 2000, requestOptions: { agent } })).toEqual({ ok: true });
    agent.destroy();
  });

  it('times out with UPSTREAM_TIMEOUT', async () => {
    const url = await listen(() => {
      // never answers
    });
    const started = Date.now();
    expect(await codeOf(getJson({ url, timeoutMs: 200, requestOptions: {} }))).toBe('UPSTREAM_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('rejects a body over the limit while streaming, without a Content-Length', async () => {
    const url = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(`{"pad":"${'x'.repeat(600)}`);
      res.end(`${'y'.repeat(600)}"}`);
    });
    expect(await codeOf(getJson({ url, timeoutMs: 2000, requestOptions: {}, maxBytes: 1000 }))).toBe(
      'UPSTREAM_TOO_LARGE',
    );
  });

  it('names the status and gives the usual cause for 403', async () => {
    const url = await listen((_req, res) => {
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end('{"kind":"Status","code":403}');
    });
    await expect(getJson({ url, timeoutMs: 2000, requestOptions: {} })).rejects.toThrow(
      /HTTP 403 \(Forbidden: RBAC/,
    );
  });

  it('refuses JSON content type with an invalid body', async () => {
    const url = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"truncated":');
    });
    expect(await codeOf(getJson({ url, timeoutMs: 2000, requestOptions: {} }))).toBe('UPSTREAM_NOT_JSON');
  });

  it('reports an unreachable upstream as a GatewayError, the system error in words', async () => {
    const url = await listen(() => {});
    await new Promise((resolve) => server?.close(resolve));
    const refused = getJson({ url, timeoutMs: 2000, requestOptions: {} });
    await expect(refused).rejects.toBeInstanceOf(GatewayError);
    await expect(refused).rejects.toMatchObject({
      code: 'UPSTREAM_UNREACHABLE',
      message: `${url.origin}/doc: connection refused (ECONNREFUSED)`,
    });
  });

  it('says a host name that does not resolve in words', async () => {
    // The resolver's answer for a name that does not exist, given by the lookup Node calls (no DNS traffic).
    const lookup: LookupFunction = (hostname, _options, callback) =>
      callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), '', 4);
    const url = new URL('http://upstream.invalid/doc');
    await expect(getJson({ url, timeoutMs: 2000, requestOptions: { lookup } })).rejects.toMatchObject({
      code: 'UPSTREAM_UNREACHABLE',
      message: 'http://upstream.invalid/doc: host name not found in DNS (ENOTFOUND)',
    });
  });
});
