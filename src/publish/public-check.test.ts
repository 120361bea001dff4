import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPublicUrl } from './public-check.js';

// A bucket's public endpoint that answers every path with the reply a test sets.
let reply: { status: number; headers: Record<string, string> } = { status: 200, headers: {} };
let server: http.Server;
let base: string;

beforeAll(async () => {
  server = http.createServer((_req, res) => {
    res.writeHead(reply.status, reply.headers);
    res.end('<?xml version="1.0" encoding="utf-8"?><Error/>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/oidc`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

const expected = { discovery: Buffer.from('{}'), jwks: [Buffer.from('{"keys":[]}')] };

describe('checkPublicUrl', () => {
  it.each([
    [403, {}, 'HTTP 403 (is the object publicly readable?)'],
    [404, {}, 'HTTP 404 (wrong base URL or prefix?)'],
    [
      302,
      { location: 'https://elsewhere.example' },
      'HTTP 302 (a redirect: relying parties do not follow it)',
    ],
    [
      409,
      { 'x-ms-error-code': 'PublicAccessNotPermitted' },
      'HTTP 409 (PublicAccessNotPermitted: the Azure storage account allows no anonymous access; allow blob anonymous access on it and on the container, or publish to $web and check the static website URL)',
    ],
    [409, { 'x-ms-error-code': 'SomethingElse' }, 'HTTP 409'],
    [500, {}, 'HTTP 500'],
  ])('HTTP %i %j: the problem names what usually causes it', async (status, headers, problem) => {
    reply = { status, headers };
    const results = await checkPublicUrl(base, 'openid/v1/jwks', expected);
    expect(results.map((result) => [result.kind, result.ok, result.problem])).toEqual([
      ['discovery', false, problem],
      ['jwks', false, problem],
    ]);
  });
});
