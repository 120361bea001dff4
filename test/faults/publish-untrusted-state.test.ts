/**
 * The retention state read back from the destination is untrusted input (issue 7, item 8):
 * a record removed "in 2099" kept an attacker's key published forever, whatever
 * --retain-removed-keys said. Here someone with write access to the destination adds such
 * a record (and the key to the published JWKS, as they would), plus a record carrying a
 * private key: the next run drops both records with a warning naming the kid, never
 * publishes the private key, and keeps the planted key no longer than one retention window.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jwkOf } from '../../src/core/keys.js';
import { resolvePublishConfig } from '../../src/publish/config.js';
import { publishFailure, runPublish } from '../../src/publish/run.js';
import { captureIo } from '../publish.support.js';

const ISSUER = 'https://oidc.example.com/cluster-1';
const T0 = Date.parse('2026-03-01T12:00:00Z');
const HOUR = 3600_000;

let dir: string;
let keyFile: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kog-untrusted-state-'));
  keyFile = join(dir, 'sa.pub');
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  await writeFile(keyFile, publicKey.export({ type: 'spki', format: 'pem' }));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function publish(dest: string, now: number, extra: Record<string, unknown> = {}) {
  const { io, out } = captureIo(() => now);
  const argv = { dest: [dest], 'from-keys': [keyFile], issuer: ISSUER, ...extra };
  const report = await runPublish(resolvePublishConfig(argv, {}), io);
  return { report, error: publishFailure(report), ...out };
}

describe('a tampered retention state', () => {
  it.each([
    ['24h', 24 * HOUR],
    ['1h', HOUR],
  ])(
    '--retain-removed-keys %s: the planted key goes after that window, the private key is never published',
    async (retain, retainMs) => {
      const dest = join(dir, `tampered-${retain}`);
      const first = await publish(dest, T0, { 'retain-removed-keys': retain });
      expect(first.error).toBeUndefined();

      const attacker = jwkOf(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey);
      const leaking = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
      const leaked = { ...jwkOf(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey), d: leaking.d };
      const statePath = join(dest, '.kube-oidc-gateway/state.json');
      const jwksPath = join(dest, 'openid/v1/jwks');
      const state = JSON.parse(await readFile(statePath, 'utf8'));
      state.keys.push(
        {
          kid: attacker.kid,
          firstSeen: '2026-01-01T00:00:00Z',
          removedAt: '2099-01-01T00:00:00Z',
          jwk: attacker,
        },
        {
          kid: leaked.kid,
          firstSeen: '2026-01-01T00:00:00Z',
          removedAt: '2026-03-01T11:00:00Z',
          jwk: leaked,
        },
      );
      await writeFile(statePath, JSON.stringify(state));
      const jwks = JSON.parse(await readFile(jwksPath, 'utf8'));
      jwks.keys.push(attacker);
      await writeFile(jwksPath, JSON.stringify(jwks));

      const now = T0 + HOUR;
      const run = await publish(dest, now, { 'retain-removed-keys': retain });
      expect(run.error).toBeUndefined();
      const warnings = run.stderr.split('\n').filter(Boolean);
      expect(warnings).toHaveLength(2);
      expect(warnings[0]).toBe(
        `warning: ${dest}: the retention state's record of key ${attacker.kid} has removedAt 2099-01-01T00:00:00Z, ` +
          'in the future: it would stay published longer than --retain-removed-keys; dropping it',
      );
      expect(warnings[1]).toMatch(
        new RegExp(
          `^warning: ${dest}: the retention state's record of key ${leaked.kid} is not a valid public key \\(.*private key material.*\\); dropping it$`,
        ),
      );
      expect(run.stdout).not.toContain(String(leaked.d));
      const published = await readFile(jwksPath, 'utf8');
      expect(published).not.toContain(leaked.kid);
      // The planted key is in the published JWKS, so it counts as published: one window from this run, no more.
      const until = new Date(now + retainMs).toISOString().replace('.000Z', 'Z');
      expect(run.report.destinations[0]?.keys?.retained).toEqual([
        { kid: attacker.kid, removedAt: '2026-03-01T13:00:00Z', until },
      ]);

      const over = await publish(dest, now + retainMs, { 'retain-removed-keys': retain });
      expect(over.error).toBeUndefined();
      expect(over.report.destinations[0]?.keys?.dropped).toEqual([attacker.kid]);
      expect(await readFile(jwksPath, 'utf8')).not.toContain(attacker.kid);
      expect(over.stderr).toBe('');
    },
  );
});
