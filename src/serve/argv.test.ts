import { describe, expect, it } from 'vitest';
import yargs from 'yargs';
import { plainServeArgv } from './argv.js';
import { serveCommand } from './command.js';
import { resolveServeConfig } from './config.js';

/** The argv the serve command's handler gets from yargs for `args`. */
function viaYargs(args: string[]): Record<string, unknown> {
  let seen: Record<string, unknown> | undefined;
  yargs(args)
    .command({
      ...serveCommand,
      handler: (argv: Record<string, unknown>) => {
        seen = argv;
      },
    })
    .strict()
    .fail((message, error) => {
      throw error ?? new Error(message);
    })
    .parseSync();
  if (!seen) throw new Error('serve did not run');
  return seen;
}

describe('plainServeArgv', () => {
  it.each([
    [['serve']],
    [['serve', '--listen-port', '9000', '--log-format=text']],
    [['serve', '--cache-ttl-seconds=30', '--cache-ttl-seconds', '45']],
    [['serve', '--kubeconfig', '/tmp/kc', '--context', 'prod', '--pretty-print-json=false']],
    [['serve', '--sa-ca-cert-path=', '--upstream-host', 'http://127.0.0.1:8001']],
  ])('gives the same configuration as yargs for %j', (args) => {
    const plain = plainServeArgv(args);
    expect(plain).toBeDefined();
    expect(resolveServeConfig(plain as Record<string, string>, {})).toEqual(
      resolveServeConfig(viaYargs(args), {}),
    );
  });

  it.each([
    [['publish']],
    [['serve', '--help']],
    [['serve', '-h']],
    [['serve', '--version']],
    [['serve', '--listen-prot', '9000']],
    [['serve', 'extra']],
    [['serve', '--listen-port']],
    [['serve', '--listen-addr', '-1']],
    [['serve', '--no-pretty-print-json']],
  ])('leaves %j to yargs', (args) => {
    expect(plainServeArgv(args)).toBeUndefined();
  });
});
