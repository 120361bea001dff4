// The baseline `serve` is compared with: a minimal node:http server writing one
// precomputed buffer with fixed headers — the same header set the gateway sends, so both
// put the same bytes on the wire and the ratio measures per-request work alone.
// node:http as CommonJS exports, as serve takes it (src/core/node-http.ts): an ES import
// would load Node's bundled undici through http.WebSocket's getter, ~12 MiB of RSS.
const http = process.getBuiltinModule('node:http');

const body = Buffer.from(process.env.BASELINE_BODY ?? '{}');
const headers = JSON.parse(process.env.BASELINE_HEADERS ?? '{}');
headers['content-length'] = String(body.length);
const server = http.createServer((_request, response) => {
  response.writeHead(200, headers);
  response.end(body);
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT), '127.0.0.1', () => process.send?.('listening'));
