import { describe, expect, it } from 'vitest';
import { privateHostReason } from './address.js';

const hostOf = (url: string) => new URL(url).hostname;

describe('privateHostReason', () => {
  it.each([
    ['https://10.1.2.3/', '10.0.0.0/8'],
    ['https://172.16.0.1/', '172.16.0.0/12'],
    ['https://172.31.255.255/', '172.16.0.0/12'],
    ['https://192.168.1.1/', '192.168.0.0/16'],
    ['https://127.0.0.1:6443/', 'loopback'],
    ['https://0x7f.1/', 'loopback'],
    ['https://169.254.169.254/', 'link-local'],
    ['https://100.64.0.1/', 'carrier-grade NAT'],
    ['https://0.0.0.0/', 'unspecified'],
    ['https://[::1]/', 'loopback'],
    ['https://[::]/', 'unspecified'],
    ['https://[fd00::1]/', 'unique local'],
    ['https://[fc00::1]/', 'unique local'],
    ['https://[fe80::1]/', 'link-local'],
    ['https://[::ffff:10.0.0.1]/', '10.0.0.0/8'],
    ['https://[::ffff:127.0.0.1]/', 'loopback'],
    ['https://kubernetes.default.svc/', '.svc'],
    ['https://kubernetes.default.svc./', '.svc'],
    ['https://kubernetes.default.svc.cluster.local/', '.cluster.local'],
    ['https://KUBERNETES.Default.Svc.Cluster.Local/', '.cluster.local'],
    ['https://metadata.google.internal/', '.internal'],
    ['https://ip-10-0-0-1.ec2.internal/', '.internal'],
    ['https://localhost:8443/', 'loopback name'],
    ['https://api.localhost/', 'loopback name'],
    ['https://kubernetes/', 'single-label'],
  ])('%s is private (%s)', (url, reason) => {
    expect(privateHostReason(hostOf(url))).toContain(reason);
  });

  it.each([
    'https://oidc.example.com/',
    'https://s3.eu-west-1.amazonaws.com/',
    'https://storage.googleapis.com/',
    'https://8.8.8.8/',
    'https://172.32.0.1/',
    'https://172.15.255.255/',
    'https://100.128.0.1/',
    'https://192.169.0.1/',
    'https://[2001:db8::1]/',
    'https://[2606:4700::1111]/',
    'https://[::ffff:8.8.8.8]/',
    'https://svc.example.com/',
    'https://internal.example.com/',
    'https://example.svc.com/',
  ])('%s is public', (url) => {
    expect(privateHostReason(hostOf(url))).toBeUndefined();
  });
});
