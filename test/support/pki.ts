/**
 * A throwaway certificate authority and server certificate, made with the `openssl` CLI so the
 * certificates are ordinary X.509 that any TLS client (Node's included) verifies the usual way.
 * The stand-in API server presents the server certificate; clients trust `caCertPem`, like a
 * pod trusts /var/run/secrets/kubernetes.io/serviceaccount/ca.crt.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestPki {
  dir: string;
  caCertPath: string;
  caCertPem: string;
  certPath: string;
  certPem: string;
  keyPath: string;
  keyPem: string;
  cleanup(): Promise<void>;
}

export interface TestPkiOptions {
  /** Extra names for the server certificate, besides 127.0.0.1 and localhost. IPs become IP SANs. */
  hosts?: string[];
}

// A config of our own, so the result does not depend on the system openssl.cnf and its defaults.
const CONFIG = `
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = @alt
`;

/** `value` as one word for sh. */
function shellQuoted(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

export async function createTestPki(opts: TestPkiOptions = {}): Promise<TestPki> {
  const dir = await mkdtemp(join(tmpdir(), 'kube-oidc-gateway-pki-'));
  const path = (name: string) => join(dir, name);
  const openssl = (...commands: string[][]) => {
    const script = commands.map((args) => ['openssl', ...args].map(shellQuoted).join(' ')).join('\n');
    return run('/bin/sh', ['-ec', script], { cwd: dir });
  };

  try {
    const hosts = ['127.0.0.1', 'localhost', ...(opts.hosts ?? [])];
    const alt = [...new Set(hosts)].map((host, i) => `${isIP(host) ? 'IP' : 'DNS'}.${i + 1} = ${host}`);
    await writeFile(path('openssl.cnf'), `${CONFIG}[alt]\n${alt.join('\n')}\n`);

    const serial = () => `0x${randomBytes(16).toString('hex')}`;
    // biome-ignore format: openssl flags and their values read better in pairs
    const ecKey = (out: string) => ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', out];
    // One shell runs the five openssl commands: a test worker is a large process, and each
    // spawn from it costs tens of milliseconds of CPU that a spawn from sh does not.
    await openssl(
      ecKey('ca.key'),
      // biome-ignore format: openssl flags and their values read better in pairs
      [
        'req', '-x509', '-new', '-config', 'openssl.cnf', '-key', 'ca.key', '-sha256',
        '-days', '1', '-set_serial', serial(), '-subj', '/CN=kube-oidc-gateway test CA',
        '-extensions', 'ca_ext', '-out', 'ca.crt',
      ],
      ecKey('server.key'),
      // biome-ignore format: openssl flags and their values read better in pairs
      ['req', '-new', '-config', 'openssl.cnf', '-key', 'server.key', '-subj', '/CN=kube-apiserver', '-out', 'server.csr'],
      // biome-ignore format: openssl flags and their values read better in pairs
      [
        'x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key',
        '-set_serial', serial(), '-days', '1', '-sha256',
        '-extfile', 'openssl.cnf', '-extensions', 'server_ext', '-out', 'server.crt',
      ],
    );

    const [caCertPem, certPem, keyPem] = await Promise.all(
      ['ca.crt', 'server.crt', 'server.key'].map((name) => readFile(path(name), 'utf8')),
    );
    return {
      dir,
      caCertPath: path('ca.crt'),
      caCertPem: caCertPem as string,
      certPath: path('server.crt'),
      certPem: certPem as string,
      keyPath: path('server.key'),
      keyPem: keyPem as string,
      cleanup: () => rm(dir, { recursive: true, force: true }),
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
