/**
 * Whether a URL's host is one a relying party on the internet cannot reach: a private,
 * loopback or link-local address, or a name that only resolves inside a cluster or a
 * private network. kube-apiserver's default jwks_uri is exactly such an address, and
 * AWS or GCP then fail token exchange with an error that does not say why.
 */
import { BlockList, isIP } from 'node:net';

interface Range {
  /** What the range is, as the message says it. */
  label: string;
  list: BlockList;
}

function range(label: string, family: 'ipv4' | 'ipv6', prefix: string, bits: number): Range {
  const list = new BlockList();
  list.addSubnet(prefix, bits, family);
  return { label, list };
}

const RANGES: readonly Range[] = [
  range('an unspecified address (0.0.0.0/8)', 'ipv4', '0.0.0.0', 8),
  range('a private address (10.0.0.0/8)', 'ipv4', '10.0.0.0', 8),
  range('a carrier-grade NAT address (100.64.0.0/10)', 'ipv4', '100.64.0.0', 10),
  range('a loopback address (127.0.0.0/8)', 'ipv4', '127.0.0.0', 8),
  range('a link-local address (169.254.0.0/16)', 'ipv4', '169.254.0.0', 16),
  range('a private address (172.16.0.0/12)', 'ipv4', '172.16.0.0', 12),
  range('a private address (192.168.0.0/16)', 'ipv4', '192.168.0.0', 16),
  range('the unspecified address (::)', 'ipv6', '::', 128),
  range('the loopback address (::1)', 'ipv6', '::1', 128),
  range('a unique local address (fc00::/7)', 'ipv6', 'fc00::', 7),
  range('a link-local address (fe80::/10)', 'ipv6', 'fe80::', 10),
  range('a site-local address (fec0::/10)', 'ipv6', 'fec0::', 10),
];

/** Suffixes of names that only resolve inside a cluster, a cloud VPC or a host. */
const PRIVATE_SUFFIXES: ReadonlyArray<readonly [suffix: string, label: string]> = [
  ['.svc', 'a Kubernetes Service name (.svc)'],
  ['.cluster.local', 'a cluster-internal name (.cluster.local)'],
  ['.internal', 'a private network name (.internal)'],
  ['.localhost', 'a loopback name (.localhost)'],
];

/**
 * Why a relying party could not reach this host, or undefined when it could. Takes a
 * WHATWG `URL.hostname`: IPv4 already in dotted form, IPv6 in brackets, lowercase.
 * IPv4-mapped IPv6 addresses (::ffff:10.0.0.1) are judged by their IPv4 address.
 */
export function privateHostReason(hostname: string): string | undefined {
  const host = hostname.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
  const family = isIP(host);
  if (family !== 0) {
    const type = family === 4 ? 'ipv4' : 'ipv6';
    return RANGES.find((r) => r.list.check(host, type))?.label;
  }
  if (host === 'localhost') return 'a loopback name (localhost)';
  const name = `.${host}`;
  for (const [suffix, label] of PRIVATE_SUFFIXES) if (name.endsWith(suffix)) return label;
  if (!host.includes('.')) return `a single-label name ("${host}"), which public DNS does not resolve`;
  return undefined;
}
