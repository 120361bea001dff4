/**
 * The jwks_uri rewrite warning says "auto moved it off the issuer's origin". It must appear
 * only then: an explicit --jwks-uri (JWKS_URI) on the issuer's own origin is what the
 * operator asked for, and used to draw that warning, naming `auto` and a foreign origin.
 * publish runs as a process (--from-keys, no cluster); serve runs in-process against the
 * API-server stand-in, which advertises its own address as jwks_uri, as kube-apiserver does.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveServeConfig } from '../../src/serve/config.js';
import { startGateway } from '../../src/serve/server.js';
import { type ApiServerStandIn, randomToken, startApiServer } from '../support/apiserver.js';
import { runCli } from '../support/cli.js';
import { createTestPki, type TestPki } from '../support/pki.js';
import { recordingLogger } from '../support/recording-logger.js';

const ISSUER = 'https://oidc.example.com/c1';
const KEY_FILE = fileURLToPath(new URL('../../examples/service-account.pub', import.meta.url));
const REWRITE_WARNING = 'jwks_uri is not on the issuer origin';

let dir: string;
let pki: TestPki;
let apiserver: ApiServerStandIn;
let tokenPath: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kube-oidc-gateway-jwks-uri-'));
  pki = await createTestPki();
  const token = randomToken();
  apiserver = await startApiServer({ issuer: ISSUER, pki, tokens: [token] });
  tokenPath = join(dir, 'token');
  await writeFile(tokenPath, token);
});

afterAll(async () => {
  await apiserver?.close();
  await pki?.cleanup();
  await rm(dir, { recursive: true, force: true });
});

describe('publish', () => {
  const publish = (jwksUri: string, dest: string) =>
    runCli([
      'publish',
      '--from-keys',
      KEY_FILE,
      '--issuer',
      ISSUER,
      '--jwks-uri',
      jwksUri,
      '--dest',
      join(dir, dest),
    ]);

  it('an explicit --jwks-uri on the issuer’s origin is published without a warning', async () => {
    const run = await publish(`${ISSUER}/keys/jwks.json`, 'explicit');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  });
});

async function discoveryThroughServe(jwksUri: string) {
  const config = resolveServeConfig(
    {},
    {
      LISTEN_ADDR: '127.0.0.1',
      LISTEN_PORT: '0',
      UPSTREAM_HOST: apiserver.url,
      SA_TOKEN_PATH: tokenPath,
      SA_CA_CERT_PATH: pki.caCertPath,
      JWKS_URI: jwksUri,
    },
  );
  const logger = recordingLogger();
  const gateway = await startGateway(config, logger);
  try {
    const body = await new Promise<string>((resolve, reject) => {
      http
        .get(`http://127.0.0.1:${gateway.port}/.well-known/openid-configuration`, (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (chunk: string) => {
            text += chunk;
          });
          res.on('end', () => resolve(text));
        })
        .on('error', reject);
    });
    return {
      document: JSON.parse(body) as { jwks_uri: string },
      rewrites: logger.events('jwks_uri_rewritten'),
    };
  } finally {
    await gateway.close();
  }
}

describe('serve', () => {
  it('JWKS_URI set to a URL on the issuer’s origin: served, and no rewrite warning', async () => {
    const served = await discoveryThroughServe(`${ISSUER}/keys/jwks.json`);
    expect(served.document.jwks_uri).toBe(`${ISSUER}/keys/jwks.json`);
    expect(served.rewrites).toEqual([]);
  });

  it('JWKS_URI=auto moving the API server’s own address: the warning, naming both URLs', async () => {
    const served = await discoveryThroughServe('auto');
    expect(served.document.jwks_uri).toBe(`${ISSUER}/openid/v1/jwks`);
    expect(served.rewrites).toEqual([
      expect.objectContaining({
        level: 'warn',
        msg: expect.stringMatching(new RegExp(`^${REWRITE_WARNING}`)),
        fields: expect.objectContaining({
          upstream_jwks_uri: `${apiserver.url}/openid/v1/jwks`,
          jwks_uri: `${ISSUER}/openid/v1/jwks`,
        }),
      }),
    ]);
  });
});
