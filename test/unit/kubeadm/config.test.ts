// kubeadm's SAN lists, endpoints and dynamic defaults.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import {
  apiServerAltNames,
  apiServerVirtualIP,
  controlPlaneEndpointURL,
  etcdAltNames,
  localAPIEndpoint,
  parseHostPort,
  resolveAdvertiseAddress,
  resolveInitConfig,
} from '../../../src/kubeadm/config.js';

test('the kubernetes Service VIP is the first address of the first service subnet', () => {
  assert.equal(apiServerVirtualIP('10.96.0.0/12'), '10.96.0.1');
  assert.equal(apiServerVirtualIP('10.32.0.0/24'), '10.32.0.1');
  assert.equal(apiServerVirtualIP('fd00:10:96::/108,10.96.0.0/12'), 'fd00:10:96::1');
  assert.throws(() => apiServerVirtualIP('bogus'), /unable to get first IP address from the given CIDR: bogus/);
});

test('apiserver SANs: DNS names sorted and de-duplicated, IPs in kubeadm order', () => {
  const warnings: string[] = [];
  const cfg = resolveInitConfig({
    advertiseAddress: '192.168.10.10',
    nodeName: 'Node-A',
    dnsDomain: 'corp.local',
    serviceSubnet: '10.100.0.0/16',
    controlPlaneEndpoint: '10.0.0.100:6443',
    certSANs: ['kubernetes', '*.api.example.com', '192.168.10.10', 'fd00::1', 'Not Valid'],
    warn: (m) => warnings.push(m),
  });
  assert.deepEqual(apiServerAltNames(cfg), {
    dnsNames: ['*.api.example.com', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.corp.local', 'node-a'],
    ips: ['10.100.0.1', '192.168.10.10', '10.0.0.100', 'fd00::1'],
  });
  assert.deepEqual(warnings, ["[certificates] WARNING: 'Not Valid' was not added to the 'apiserver' SAN, because it is not a valid IP or RFC-1123 compliant DNS entry"]);
  assert.deepEqual(etcdAltNames(cfg), { dnsNames: ['localhost', 'node-a'], ips: ['192.168.10.10', '127.0.0.1', '::1'] });
});

test('endpoints: control-plane endpoint (with or without port) else the local endpoint', () => {
  const warnings: string[] = [];
  const base = { advertiseAddress: '192.168.10.10', warn: (m: string) => warnings.push(m) };
  assert.equal(localAPIEndpoint(resolveInitConfig(base)), 'https://192.168.10.10:6443');
  assert.equal(controlPlaneEndpointURL(resolveInitConfig(base)), 'https://192.168.10.10:6443');
  assert.equal(controlPlaneEndpointURL(resolveInitConfig({ ...base, controlPlaneEndpoint: 'lb.example.com' })), 'https://lb.example.com:6443');
  assert.equal(controlPlaneEndpointURL(resolveInitConfig({ ...base, controlPlaneEndpoint: 'lb.example.com:443' })), 'https://lb.example.com:443');
  assert.match(warnings[0], /port specified in controlPlaneEndpoint overrides bindPort/);
  assert.equal(localAPIEndpoint(resolveInitConfig({ advertiseAddress: 'fd00::10', bindPort: 8443 })), 'https://[fd00::10]:8443');
  assert.throws(() => controlPlaneEndpointURL(resolveInitConfig({ ...base, controlPlaneEndpoint: 'bad_host:1' })), /invalid value "bad_host:1" given for controlPlaneEndpoint: hostport bad_host:1: host 'bad_host' must be a valid IP address or a valid RFC-1123 DNS subdomain/);
  assert.throws(() => localAPIEndpoint(resolveInitConfig({ ...base, bindPort: 70000 })), /api\.bindPort/);
});

test('parseHostPort accepts host, host:port, [v6]:port', () => {
  assert.deepEqual(parseHostPort('example.com'), { host: 'example.com', port: '' });
  assert.deepEqual(parseHostPort('example.com:6443'), { host: 'example.com', port: '6443' });
  assert.deepEqual(parseHostPort('[fd00::1]:6443'), { host: 'fd00::1', port: '6443' });
  assert.deepEqual(parseHostPort('fd00::1'), { host: 'fd00::1', port: '' });
  assert.throws(() => parseHostPort('example.com:0'), /port 0 must be a valid number between 1 and 65535, inclusive/);
});

test('advertise address and node name defaults', () => {
  assert.equal(resolveAdvertiseAddress('10.1.2.3'), '10.1.2.3');
  assert.throws(() => resolveAdvertiseAddress('foo'), /couldn't use "foo" as "apiserver-advertise-address", must be ipv4 or ipv6 address/);
  const auto = resolveAdvertiseAddress('', () => {});
  assert.ok(/^\d+\.\d+\.\d+\.\d+$/.test(auto), auto);
  assert.equal(resolveInitConfig({}).nodeName, hostname().trim().toLowerCase());
});
