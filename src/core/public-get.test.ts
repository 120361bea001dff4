import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki, type TestPki } from '../../test/support/pki.js';
import type { GatewayError } from './errors.js';
import { contextTrusting, getPublic, readExtraCa } from './public-get.js';

let server: http.Server | https.Server | undefined;
const sockets = new Set<Socket>();
const seen: http.IncomingHttpHeaders[] = [];
let pki: TestPki;

beforeAll(async () => {
  pki = await createTestPki();
});

afterAll(() => pki.cleanup());

afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  // A test that started no server must not wait for one to close.
  if (server?.listening) await new Promise((resolve) => server?.close(resolve));
  server = undefined;
  seen.length = 0;
});

async function listen(handler: http.RequestListener, tls = false): Promise<URL> {
  const recording: http.RequestListener = (req, res) => {
    seen.push(req.headers);
    handler(req, res);
  };
  server = tls
    ? https.createServer({ cert: pki.certPem, key: pki.keyPem }, recording)
    : http.createServer(recording);
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return new URL(`${tls ? 'https' : 'http'}://127.0.0.1:${port}/doc`);
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as GatewayError).code;
  }
  return 'no error';
}

describe('getPublic', () => {
  it('returns status, headers and the exact bytes of any status, sending no credentials', async () => {
    const url = await listen((_req, res) => {
      res.writeHead(404, { 'content-type': 'application/xml', 'cache-control': 'no-store' });
      res.end('<Error>NoSuchKey</Error>');
    });
    const response = await getPublic({ url, timeoutMs: 2000 });
    expect(response.status).toBe(404);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.body.toString()).toBe('<Error>NoSuchKey</Error>');
    expect(seen[0]?.authorization).toBeUndefined();
    expect(seen[0]?.cookie).toBeUndefined();
  });

  it('does not follow a redirect: the 3xx comes back with its Location', async () => {
    const url = await listen((req, res) => {
      if (req.url === '/doc') {
        res.writeHead(302, { location: '/elsewhere' });
        res.end('moved');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
    const response = await getPublic({ url, timeoutMs: 2000 });
    expect(response.status).toBe(302);
    expect(response.headers.location).toBe('/elsewhere');
    expect(response.body.length).toBe(0);
    expect(seen).toHaveLength(1);
  });

  it('refuses a body over the limit, declared or streamed', async () => {
    const declared = await listen((_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.end('x'.repeat(100));
    });
    expect(await codeOf(getPublic({ url: declared, timeoutMs: 2000, maxBytes: 50 }))).toBe(
      'UPSTREAM_TOO_LARGE',
    );
    await new Promise((resolve) => server?.close(resolve));
    const streamed = await listen((_req, res) => {
      res.write('x'.repeat(40));
      res.end('x'.repeat(40));
    });
    expect(await codeOf(getPublic({ url: streamed, timeoutMs: 2000, maxBytes: 50 }))).toBe(
      'UPSTREAM_TOO_LARGE',
    );
  });

  it('times out', async () => {
    const url = await listen(() => {});
    expect(await codeOf(getPublic({ url, timeoutMs: 100 }))).toBe('UPSTREAM_TIMEOUT');
  });

  it('trusts an extra CA on top of the bundled roots, and only then', async () => {
    const url = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    }, true);
    expect(await codeOf(getPublic({ url, timeoutMs: 2000 }))).toBe('UPSTREAM_UNREACHABLE');
    const response = await getPublic({ url, timeoutMs: 2000, extraCa: pki.caCertPem });
    expect(response.status).toBe(200);
  });

  it('builds the context for an extra CA once, and never trusts one CA with a context built for another', async () => {
    const other = await createTestPki();
    try {
      expect(contextTrusting(pki.caCertPem)).toBe(contextTrusting(Buffer.from(pki.caCertPem)));
      expect(contextTrusting(other.caCertPem)).not.toBe(contextTrusting(pki.caCertPem));
      const url = await listen((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
      }, true);
      expect((await getPublic({ url, timeoutMs: 2000, extraCa: pki.caCertPem })).status).toBe(200);
      expect(await codeOf(getPublic({ url, timeoutMs: 2000, extraCa: other.caCertPem }))).toBe(
        'UPSTREAM_UNREACHABLE',
      );
      expect((await getPublic({ url, timeoutMs: 2000, extraCa: pki.caCertPem })).status).toBe(200);
    } finally {
      await other.cleanup();
    }
  });
});

describe('readExtraCa', () => {
  it('refuses, as usage errors naming the flag, a missing file, a directory, /dev/zero and a file with no PEM', async () => {
    await expect(readExtraCa('/no/such/ca.pem')).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: 'invalid --ca: cannot read /no/such/ca.pem: no such file or directory (ENOENT)',
    });
    await expect(readExtraCa('/')).rejects.toMatchObject({
      message: 'invalid --ca: cannot read /: is a directory, not a file (EISDIR)',
    });
    // Bounded: at most 1 MiB and a byte is read, whatever the path names.
    await expect(readExtraCa('/dev/zero', 'PUBLISH_CA')).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: 'invalid PUBLISH_CA: /dev/zero is larger than 1 MiB: not a CA bundle',
    });
    await expect(readExtraCa('/dev/null')).rejects.toMatchObject({
      message: 'invalid --ca: /dev/null holds no PEM certificate',
    });
  });
});
