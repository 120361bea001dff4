import type { RequestListener, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { slowRequest, timedGet } from '../../test/support/flood.js';
import { CLIENT_LIMITS, type ClientLimits, type CutReason, createLimitedServer } from './client-limits.js';

const servers: Server[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

const BODY = Buffer.from('{"keys":[]}\n');
const answer: RequestListener = (_request, response) => {
  response.writeHead(200, { 'content-type': 'application/json', 'content-length': String(BODY.length) });
  response.end(BODY);
};

async function listen(limits: Partial<ClientLimits>, handler: RequestListener = answer) {
  const cuts: Array<{ reason: CutReason; client: string | undefined }> = [];
  const server = createLimitedServer(handler, { ...CLIENT_LIMITS, ...limits }, (reason, client) =>
    cuts.push({ reason, client }),
  );
  servers.push(server);
  // Every request Node makes an object pair for, answered or not.
  let parsed = 0;
  server.on('request', () => {
    parsed += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { port, server, url: `http://127.0.0.1:${port}/`, cuts, parsed: () => parsed };
}

/**
 * Writes `count` pipelined GETs in one write; resolves with what came back once the
 * server closed the connection, or once `wanted` answers arrived (then closes itself).
 */
function pipeline(port: number, count: number, wanted = Number.POSITIVE_INFINITY): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write('GET / HTTP/1.1\r\nHost: t\r\n\r\n'.repeat(count));
    });
    let received = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => {
      received += chunk;
      if (answers(received) >= wanted && received.endsWith(BODY.toString())) socket.destroy();
    });
    socket.on('error', () => {});
    socket.on('close', () => resolve(received));
  });
}

function answers(text: string): number {
  return text.split('HTTP/1.1 200 OK').length - 1;
}

describe('client limits: pipelining', () => {
  it('answers a client that pipelines up to the bound and reads', async () => {
    const { port, cuts } = await listen({ maxPipelined: 16 });
    const received = await pipeline(port, 17, 17);
    // The first is answered at once, 16 wait behind it: all within the bound.
    expect(answers(received)).toBe(17);
    expect(cuts).toEqual([]);
  });

  it('closes a connection past the bound and parses nothing more of that read', async () => {
    const { port, cuts, parsed } = await listen({ maxPipelined: 16 });
    // 2,000 requests of 27 bytes: about 54 KB, one read for Node's 64 KiB parser buffer.
    const received = await pipeline(port, 2000);
    // At most the first answer and the 16 that waited behind it got out.
    expect(answers(received)).toBeLessThanOrEqual(17);
    expect(cuts).toEqual([{ reason: 'pipelining', client: '127.0.0.1' }]);
    // The first, the 16 waiting, the one that crossed the bound: Node made no objects for the rest.
    expect(parsed()).toBe(18);
    // Others are still served.
    expect((await timedGet(`http://127.0.0.1:${port}/`)).status).toBe(200);
  });
});

describe('client limits: connections', () => {
  it('refuses connections past maxConnections and reports each', async () => {
    const { port, url, cuts } = await listen({ maxConnections: 2 });
    const held = await Promise.all(
      [0, 1].map(
        () =>
          new Promise<net.Socket>((resolve) => {
            const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
          }),
      ),
    );
    const refused = await timedGet(url);
    expect(refused.status).toBe('ECONNRESET');
    expect(cuts.map((c) => c.reason)).toEqual(['max_connections']);
    for (const socket of held) socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await timedGet(url)).status).toBe(200);
  });
});

describe('client limits: slow clients', () => {
  const fast = { headersTimeoutMs: 300, requestTimeoutMs: 600, timeoutCheckIntervalMs: 50 };

  it('answers 408 and closes when the headers do not arrive within headersTimeoutMs', async () => {
    const { port } = await listen(fast);
    const { answer, closedAfterMs } = await slowRequest(port, 'GET / HTTP/1.1\r\nHost: t\r\n');
    expect(answer).toMatch(/^HTTP\/1.1 408 /);
    expect(closedAfterMs).toBeGreaterThanOrEqual(290);
    expect(closedAfterMs).toBeLessThan(300 + 50 + 250);
  });

  it('answers 408 and closes when the body does not arrive within requestTimeoutMs', async () => {
    const { port } = await listen(fast);
    const { answer, closedAfterMs } = await slowRequest(
      port,
      'POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc',
    );
    // The gateway answers without reading a body; the request still has to end in time.
    expect(answer).toContain('HTTP/1.1 408 ');
    expect(closedAfterMs).toBeGreaterThanOrEqual(590);
    expect(closedAfterMs).toBeLessThan(600 + 50 + 250);
  });

  it('closes a connection with answers waiting once nothing moves on it for stallTimeoutMs', async () => {
    // An answer larger than the socket buffers, to a client that never reads: the second
    // pipelined request's answer waits behind it for good.
    const large = Buffer.alloc(16 * 1024 * 1024);
    const { port, server } = await listen({ stallTimeoutMs: 300 }, (_request, response) => {
      response.writeHead(200, { 'content-length': String(large.length) });
      response.end(large);
    });
    const serverSide = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
    const client = net.connect(port, '127.0.0.1', () => {
      client.write('GET / HTTP/1.1\r\nHost: t\r\n\r\nGET / HTTP/1.1\r\nHost: t\r\n\r\n');
    });
    client.pause();
    client.on('error', () => {});
    const socket = await serverSide;
    const started = performance.now();
    await new Promise((resolve) => socket.once('close', resolve));
    const closedAfterMs = performance.now() - started;
    client.destroy();
    expect(closedAfterMs).toBeGreaterThanOrEqual(250);
    expect(closedAfterMs).toBeLessThan(300 + 1_500);
  });

  it('checks the timeouts every second by default, not every 30 s as Node does', () => {
    expect(CLIENT_LIMITS.timeoutCheckIntervalMs).toBeLessThanOrEqual(1_000);
    expect(CLIENT_LIMITS).toMatchObject({ headersTimeoutMs: 5_000, requestTimeoutMs: 10_000 });
  });
});
