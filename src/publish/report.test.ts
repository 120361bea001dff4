import type { KeyObject } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { ecKey, issuerDocuments, rsaKey, syncOptions, T0 } from '../../test/support/issuer-documents.js';
import { kidOf } from '../core/keys.js';
import { createMemoryStore } from '../stores/memory.js';
import { formatJson, formatText, type PublishReport } from './report.js';
import { type DestinationResult, type SyncOptions, syncDestination } from './sync.js';

function reportOf(destinations: DestinationResult[], extra: Partial<PublishReport> = {}): PublishReport {
  return {
    ok: destinations.every((result) => result.ok),
    dryRun: false,
    destinations,
    publicChecks: [],
    verify: [],
    warnings: [],
    ...extra,
  };
}

let a: KeyObject;
let b: KeyObject;
beforeAll(() => {
  [a, b] = [ecKey(), ecKey()];
});

/** The lines of one more run on `store`, as publish prints them. */
async function linesOf(
  store: ReturnType<typeof createMemoryStore>,
  keys: KeyObject[],
  options: Partial<SyncOptions> = {},
) {
  const result = await syncDestination(store, issuerDocuments(keys), syncOptions(options));
  return formatText(reportOf([result], { dryRun: options.dryRun ?? false })).split('\n');
}

describe('formatText', () => {
  it('prints one line per object: status, where, size, and for the JWKS the keys and what changed', async () => {
    const store = createMemoryStore({ name: 'b' });
    const lines = await linesOf(store, [a, b]);
    expect(lines).toEqual([
      expect.stringMatching(
        new RegExp(
          `^created {3}memory://b/openid/v1/jwks {2}\\d+ bytes {2}2 keys \\(added ${kidOf(a)}, ${kidOf(b)}\\)$`,
        ),
      ),
      expect.stringMatching(/^created {3}memory:\/\/b\/\.well-known\/openid-configuration {2}\d+ bytes$/),
      expect.stringMatching(/^created {3}memory:\/\/b\/\.kube-oidc-gateway\/state\.json {2}\d+ bytes$/),
      '',
    ]);
    const again = await linesOf(store, [a, b]);
    expect(again.filter(Boolean).every((line) => line.startsWith('unchanged '))).toBe(true);
  });

  it('names a retained key with the end of its window, and a dropped one', async () => {
    const store = createMemoryStore();
    await linesOf(store, [a, b]);
    const retained = await linesOf(store, [b], { now: T0 + 5 * 60_000 });
    expect(retained[0]).toMatch(new RegExp(`2 keys \\(retained ${kidOf(a)} until 2026-03-02T12:05:00Z\\)$`));
    const dropped = await linesOf(store, [b], { now: T0 + 5 * 60_000 + 24 * 3_600_000 });
    expect(dropped[0]).toMatch(new RegExp(`1 key \\(dropped ${kidOf(a)}\\)$`));
  });

  it('a dry run says so first, and shows the changed lines under each object, indented', async () => {
    const store = createMemoryStore();
    await linesOf(store, [a]);
    const lines = await linesOf(store, [a, rsaKey()], { dryRun: true });
    expect(lines[0]).toBe('dry run: nothing was written');
    expect(lines[1]).toMatch(
      new RegExp(`^updated {3}\\S+/openid/v1/jwks {2}\\d+ bytes {2}2 keys \\(added ${kidOf(rsaKey())}\\)$`),
    );
    expect(lines).toContain(`    +       "kid": "${kidOf(rsaKey())}",`);
    expect(lines).toContain('    +     "RS256"');
  });

  it('a failed write: its code and line; the ones after it: not written', async () => {
    const store = createMemoryStore({ name: 'b' });
    await linesOf(store, [a]);
    store.fault = (call) => (call.op === 'put' ? 'denied' : undefined);
    const lines = await linesOf(store, [a, rsaKey()]);
    expect(lines.slice(0, 3)).toEqual([
      'failed    memory://b/openid/v1/jwks  STORE_ACCESS_DENIED: memory://b/openid/v1/jwks: access denied (HTTP 403 AccessDenied); the identity needs permission to write it',
      'skipped   memory://b/.well-known/openid-configuration  (not written: an earlier write failed)',
      'skipped   memory://b/.kube-oidc-gateway/state.json  (not written: an earlier write failed)',
    ]);
  });

  it('a destination that failed before any write gets one line of its own', async () => {
    const store = createMemoryStore({ name: 'b' });
    store.fault = (call) => (call.op === 'get' ? 'denied' : undefined);
    const lines = await linesOf(store, [a]);
    expect(lines).toEqual([
      expect.stringMatching(
        /^failed {4}memory:\/\/b {2}STORE_ACCESS_DENIED: memory:\/\/b\/\S+: access denied/,
      ),
      '',
    ]);
  });

  it('the public checks and verify runs follow the objects; what a server sent is escaped', () => {
    const text = formatText(
      reportOf([], {
        publicChecks: [
          { url: 'https://oidc.example.com/c1/openid/v1/jwks', kind: 'jwks', ok: true },
          {
            url: 'https://oidc.example.com/c1/.well-known/openid-configuration',
            kind: 'discovery',
            ok: false,
            problem: 'HTTP 404 (wrong base URL or prefix?)',
          },
        ],
        verify: [
          {
            url: 'https://oidc.example.com/c1',
            checks: [{ check: 'discovery-fetch', status: 'fail', message: 'served\n\u001b[31mred' }],
          },
        ],
      }),
    );
    expect(text.split('\n')).toEqual([
      'public    https://oidc.example.com/c1/openid/v1/jwks  same bytes',
      'failed    https://oidc.example.com/c1/.well-known/openid-configuration  HTTP 404 (wrong base URL or prefix?)',
      'verify    https://oidc.example.com/c1',
      '    FAIL discovery-fetch: served\\n\\x1b[31mred',
      '',
    ]);
  });
});

describe('formatJson', () => {
  it('is the report, without the published bytes', async () => {
    const result = await syncDestination(createMemoryStore(), issuerDocuments([a]), syncOptions());
    expect(result.published).toBeDefined();
    const json = JSON.parse(formatJson(reportOf([result])));
    expect(json.destinations[0].published).toBeUndefined();
    expect(json.destinations[0].objects.map((object: { status: string }) => object.status)).toEqual([
      'created',
      'created',
      'created',
    ]);
  });

  it('names the cluster’s issuer next to the one published only when they differ', () => {
    const report = (clusterIssuer: string | undefined) =>
      JSON.parse(formatJson(reportOf([], { issuer: 'https://old.example/c1', clusterIssuer })));
    expect(report('https://new.example/c1')).toMatchObject({
      issuer: 'https://old.example/c1',
      clusterIssuer: 'https://new.example/c1',
    });
    expect(Object.keys(report(undefined))).not.toContain('clusterIssuer');
  });
});

describe('formatText, re-issued', () => {
  it('says first which issuer was published and which the cluster names', () => {
    const extra = { issuer: 'https://old.example/c1', clusterIssuer: 'https://new.example/c1' };
    expect(formatText(reportOf([], extra))).toBe(
      "issuer    https://old.example/c1  (re-issued: the cluster's discovery document names https://new.example/c1)\n",
    );
    expect(formatText(reportOf([], { ...extra, dryRun: true })).split('\n')[1]).toMatch(/^issuer {4}/);
    expect(formatText(reportOf([], { issuer: 'https://old.example/c1' }))).toBe('');
  });
});
