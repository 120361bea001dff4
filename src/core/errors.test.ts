import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { EXIT_FAILURE, EXIT_USAGE, exitCodeOf, GatewayError, reasonOf } from './errors.js';

describe('reasonOf', () => {
  it('puts a system error into words and keeps its code', async () => {
    const error = await readFile('/no/such/file').catch((e: unknown) => e);
    expect(reasonOf(error)).toBe('no such file or directory (ENOENT)');
    const directory = await readFile('/').catch((e: unknown) => e);
    expect(reasonOf(directory)).toBe('is a directory, not a file (EISDIR)');
  });

  it('keeps the message of an unlisted code, with the code, and a plain error as its first line', () => {
    expect(reasonOf(Object.assign(new Error('x'), { code: 'EWHATEVER' }))).toBe('x (EWHATEVER)');
    expect(reasonOf(Object.assign(new Error(''), { code: 'EWHATEVER' }))).toBe('EWHATEVER');
    const tls = Object.assign(new Error("Hostname/IP does not match certificate's altnames"), {
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
    });
    expect(reasonOf(tls)).toBe(
      "Hostname/IP does not match certificate's altnames (ERR_TLS_CERT_ALTNAME_INVALID)",
    );
    const selfSigned = Object.assign(new Error('self-signed certificate'), {
      code: 'DEPTH_ZERO_SELF_SIGNED_CERT',
    });
    expect(reasonOf(selfSigned)).toBe('self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)');
    expect(reasonOf(new Error('first line\nsecond'))).toBe('first line');
    expect(reasonOf(new GatewayError('STORE_TIMEOUT', 'slow'))).toBe('STORE_TIMEOUT: slow');
  });
});

describe('exitCodeOf', () => {
  it('is 2 for what the user gave (flags, variables, the files they named), 1 for a run that failed', () => {
    expect(exitCodeOf(new GatewayError('CONFIG_INVALID', 'x'))).toBe(EXIT_USAGE);
    expect(exitCodeOf(new GatewayError('KUBECONFIG_INVALID', 'x'))).toBe(EXIT_USAGE);
    expect(exitCodeOf(new GatewayError('KEY_INVALID', 'x'))).toBe(EXIT_USAGE);
    expect(exitCodeOf(new GatewayError('SOURCE_CREDENTIALS', 'x'))).toBe(EXIT_FAILURE);
    expect(exitCodeOf(new GatewayError('UPSTREAM_UNREACHABLE', 'x'))).toBe(EXIT_FAILURE);
    expect(exitCodeOf(new GatewayError('STORE_WRITE_FAILED', 'x'))).toBe(EXIT_FAILURE);
    expect(exitCodeOf(new Error('anything else'))).toBe(EXIT_FAILURE);
  });
});
