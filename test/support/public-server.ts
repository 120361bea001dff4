/**
 * A public web server as a bucket or a CDN is to a relying party: it answers each path with
 * exactly the reply set for it, anonymously, and records every request it gets. HTTPS with
 * the test PKI's certificate, or plain HTTP when no PKI is given.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TestPki } from './pki.js';

export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Answer only after this long, as a slow origin would (relying parties give up after a while). */
  delayMs?: number;
}

export interface PublicServer {
  base: string;
  routes: Map<string, Reply>;
  /** `METHOD /path`, with " (with credentials)" when an Authorization header came along. */
  requests: string[];
  close(): Promise<void>;
}

export async function startPublicServer(pki?: TestPki): Promise<PublicServer> {
  const routes = new Map<string, Reply>();
  const requests: string[] = [];
  const handler: http.RequestListener = (req, res) => {
    const path = new URL(req.url ?? '/', 'https://public').pathname;
    requests.push(`${req.method} ${path}${req.headers.authorization ? ' (with credentials)' : ''}`);
    const reply = routes.get(path) ?? {
      status: 404,
      headers: { 'content-type': 'application/xml' },
      body: '<Error/>',
    };
    const answer = () => {
      res.writeHead(reply.status ?? 200, reply.headers ?? {});
      res.end(reply.body ?? '');
    };
    if (reply.delayMs) setTimeout(answer, reply.delayMs);
    else answer();
  };
  const server = pki
    ? https.createServer({ cert: pki.certPem, key: pki.keyPem }, handler)
    : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `${pki ? 'https' : 'http'}://127.0.0.1:${port}`,
    routes,
    requests,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
