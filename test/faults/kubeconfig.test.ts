/**
 * A kubeconfig that cannot be loaded: the error says which file and what is wrong (with
 * the line and column of a YAML error) and never any of the file's text. A YAML parser's
 * own message quotes the offending line, which in a kubeconfig is often the token line.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayError } from '../../src/core/errors.js';
import { loadKubeConfig } from '../../src/core/kubeconfig-source.js';
import type { SourceOptions } from '../../src/core/source.js';
import { resolveUpstream } from '../../src/core/upstream-settings.js';
import { runCli } from '../support/cli.js';

const TOKEN = 'sEcReT-t0ken-abc123';

const head = [
  'apiVersion: v1',
  'kind: Config',
  'clusters:',
  '- name: test',
  '  cluster:',
  '    server: https://127.0.0.1:9',
  'users:',
  '- name: ci',
  '  user:',
];
const tail = [
  'contexts:',
  '- name: test',
  '  context:',
  '    cluster: test',
  '    user: ci',
  'current-context: test',
  '',
];
/** A kubeconfig whose token line (line 10) is the given text. */
const withTokenLine = (line: string) => [...head, line, ...tail].join('\n');

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kube-oidc-gateway-kubeconfig-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

function loadError(kubeconfig: string | SourceOptions): GatewayError {
  try {
    loadKubeConfig(typeof kubeconfig === 'string' ? { kubeconfig: [kubeconfig] } : kubeconfig);
  } catch (error) {
    return error as GatewayError;
  }
  throw new Error('expected loadKubeConfig to throw');
}

/** Every way the error could reach a log: message, stack, cause, own properties. */
function everythingIn(error: GatewayError): string {
  return [error.message, String(error.stack), JSON.stringify(error), String(error.cause ?? '')].join('\n');
}

describe('kubeconfig errors never echo the file', () => {
  it.each([
    [
      'an unterminated quote',
      `    token: "${TOKEN}`,
      /is not valid YAML at line 17, column 1 \(unexpected end of the stream within a double quoted scalar\)/,
    ],
    [
      'a colon inside the value',
      `    token: abc: ${TOKEN}`,
      /is not valid YAML at line 10, column 15 \(bad indentation of a mapping entry\)/,
    ],
    ['a tag made of the token', `    token: !<${TOKEN}> x`, /is not valid YAML at line 10, column \d+; /],
    ['an alias made of the token', `    token: *${TOKEN}`, /is not valid YAML at line 10, column \d+; /],
    ['a tab in the indentation', `\ttoken: ${TOKEN}`, /is not valid YAML at line 10, column \d+/],
  ])('a token line with %s: file, line and column, no text', async (_, line, expected) => {
    const path = await file('bad.yaml', withTokenLine(line));
    const error = loadError(path);
    expect(error.code).toBe('KUBECONFIG_INVALID');
    expect(error.message).toMatch(expected);
    expect(error.message).toContain(`kubeconfig ${path} `);
    expect(error.message).toContain('its text is not shown');
    expect(everythingIn(error)).not.toContain(TOKEN);
    expect(error.message).not.toContain('token:');
  });

  it.each([
    ['an empty file', '', 'is not a kubeconfig: expected a YAML mapping'],
    [
      'a user without a name',
      withTokenLine(`    token: ${TOKEN}`).replace('- name: ci', '- nome: ci'),
      ': users[0].name is missing',
    ],
  ])('%s: what is wrong, no text', async (_, text, expected) => {
    const path = await file('odd.yaml', text);
    const error = loadError(path);
    expect(error.code).toBe('KUBECONFIG_INVALID');
    expect(error.message).toContain(`kubeconfig ${path}`);
    expect(error.message).toContain(expected);
    expect(everythingIn(error)).not.toContain(TOKEN);
  });

  it('a missing file: the path and the system error in words', () => {
    const path = join(dir, 'nope.yaml');
    expect(loadError(path).message).toBe(
      `cannot read kubeconfig ${path}: no such file or directory (ENOENT)`,
    );
  });

  it('KUBECONFIG with several files: names the one that is broken', async () => {
    const good = await file('good.yaml', withTokenLine(`    token: ${TOKEN}`));
    const bad = await file('bad-second.yaml', withTokenLine(`    token: "${TOKEN}`));
    const error = loadError(resolveUpstream({}, { KUBECONFIG: [good, bad].join(delimiter) }));
    expect(error.message).toContain(`kubeconfig ${bad} is not valid YAML at line 17`);
    expect(everythingIn(error)).not.toContain(TOKEN);
    // Both files loaded and merged when both are well-formed.
    const other = await file(
      'other.yaml',
      withTokenLine('    token: x').replaceAll('test', 'other').replaceAll(' ci', ' ci2'),
    );
    const merged = loadKubeConfig(resolveUpstream({}, { KUBECONFIG: [good, other].join(delimiter) }));
    expect(merged.getContexts().map((c) => c.name)).toEqual(['test', 'other']);
    expect(merged.getCurrentContext()).toBe('other');
  });

  it('publish and verify, as processes: one line on stderr, exit 2 (an input file the user named), never the token', async () => {
    const path = await file('cli.yaml', withTokenLine(`    token: "${TOKEN}`));
    // verify --token-request loads the kubeconfig up front, before any check. Side by side.
    const [published, verified] = await Promise.all([
      runCli(['publish', '--kubeconfig', path, '--dest', join(dir, 'out')]),
      runCli([
        'verify',
        '--issuer',
        'https://127.0.0.1:9/c1',
        '--kubeconfig',
        path,
        '--token-request',
        'ci/verifier',
      ]),
    ]);
    expect(published.code).toBe(2);
    expect(published.stderr).toBe(
      `error: KUBECONFIG_INVALID: kubeconfig ${path} is not valid YAML at line 17, column 1 ` +
        '(unexpected end of the stream within a double quoted scalar); fix that line (its text is not shown: it may hold a credential)\n',
    );
    expect(published.stdout).not.toContain(TOKEN);

    // Loaded before any check runs: a usage error, not a failed check.
    expect(verified.code).toBe(2);
    expect(verified.stdout).toBe('');
    expect(verified.stderr).toMatch(/^error: KUBECONFIG_INVALID: kubeconfig .* line 17, column 1 [^\n]*\n$/);
    expect(verified.stdout + verified.stderr).not.toContain(TOKEN);
  });
});
