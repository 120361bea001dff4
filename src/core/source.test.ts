import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InClusterSource } from './source.js';
import { JWKS_PATH } from './well-known.js';

describe('InClusterSource', () => {
  it('never sends the token over plain http (a kubectl proxy URL)', async () => {
    const seen: Array<string | undefined> = [];
    const server = http.createServer((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(200, { 'content-type': 'application/jwk-set+json' });
      res.end('{"keys":[]}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const dir = await mkdtemp(join(tmpdir(), 'source-'));
    await writeFile(join(dir, 'token'), 'secret-token\n');
    const source = new InClusterSource({
      upstreamHost: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      timeoutMs: 2000,
      tokenPath: join(dir, 'token'),
      caCertPath: '',
    });
    try {
      expect(await source.get(JWKS_PATH)).toEqual({ keys: [] });
      expect(seen).toEqual([undefined]);
    } finally {
      source.close();
      await new Promise((resolve) => server.close(resolve));
      await rm(dir, { recursive: true, force: true });
    }
  });
});
