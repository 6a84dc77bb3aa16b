// Sandbox-level pieces: DNS config per dnsPolicy, the QoS cgroup parent and container
// resources, the managed hosts file, the sandbox config fields.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { parseResolvConf, podDNSConfig } from '../../../../src/kubelet/pods/dns.js';
import { containerResources, milliCPUToQuota, milliCPUToShares, oomScoreAdj, podCgroupParent } from '../../../../src/kubelet/pods/qos.js';
import { managedHostsFileContent, podHostnameAndDomain } from '../../../../src/kubelet/pods/hosts.js';
import { sandboxConfig } from '../../../../src/kubelet/pods/sandbox.js';

const resolv = 'nameserver 1.1.1.1\nnameserver 8.8.8.8\nsearch corp.example.com example.com\noptions edns0 ndots:2\n';
const dns = { clusterDNS: ['10.32.0.10'], clusterDomain: 'cluster.local', resolvConf: '/etc/resolv.conf', readFile: () => resolv };
const pod = (spec: Partial<Pod['spec']> = {}, name = 'web-1'): Pod => ({ metadata: { name, namespace: 'shop', uid: '1234-abcd', annotations: { a: 'b' }, labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'x' }], ...spec } as Pod['spec'] });

describe('DNS', () => {
  it('parses resolv.conf', () => {
    assert.deepEqual(parseResolvConf(resolv), { servers: ['1.1.1.1', '8.8.8.8'], searches: ['corp.example.com', 'example.com'], options: ['edns0', 'ndots:2'] });
  });
  it('ClusterFirst: cluster DNS, the namespace searches then the host searches, ndots:5', () => {
    assert.deepEqual(podDNSConfig(pod(), dns), { servers: ['10.32.0.10'], searches: ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'corp.example.com', 'example.com'], options: ['ndots:5'] });
  });
  it('Default and hostNetwork use the host resolv.conf; None uses only dnsConfig', () => {
    assert.deepEqual(podDNSConfig(pod({ dnsPolicy: 'Default' }), dns).servers, ['1.1.1.1', '8.8.8.8']);
    assert.deepEqual(podDNSConfig(pod({ hostNetwork: true }), dns).servers, ['1.1.1.1', '8.8.8.8']);
    assert.deepEqual(podDNSConfig(pod({ hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }), dns).servers, ['10.32.0.10']);
    assert.deepEqual(podDNSConfig(pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['9.9.9.9'], searches: ['a.b'], options: [{ name: 'ndots', value: '1' }, { name: 'rotate' }] } }), dns), { servers: ['9.9.9.9'], searches: ['a.b'], options: ['ndots:1', 'rotate'] });
  });
  it('merges dnsConfig options by name and falls back to Default without clusterDNS', () => {
    assert.deepEqual(podDNSConfig(pod({ dnsConfig: { options: [{ name: 'ndots', value: '2' }] } }), dns).options, ['ndots:2']);
    assert.deepEqual(podDNSConfig(pod(), { ...dns, clusterDNS: [] }).servers, ['1.1.1.1', '8.8.8.8']);
  });
});

describe('QoS', () => {
  const cg = { cgroupsPerQOS: true, cgroupDriver: 'cgroupfs' as const };
  const guaranteed = pod({ containers: [{ name: 'c', resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '500m', memory: '128Mi' } } }] });
  const burstable = pod({ containers: [{ name: 'c', resources: { requests: { cpu: '250m', memory: '1Gi' } } }] });
  it('places pods under kubepods per QoS class', () => {
    assert.equal(podCgroupParent(guaranteed, cg), '/kubepods/pod1234-abcd');
    assert.equal(podCgroupParent(burstable, cg), '/kubepods/burstable/pod1234-abcd');
    assert.equal(podCgroupParent(pod(), cg), '/kubepods/besteffort/pod1234-abcd');
    assert.equal(podCgroupParent(burstable, { ...cg, cgroupDriver: 'systemd' }), 'kubepods-burstable-pod1234_abcd.slice');
    assert.equal(podCgroupParent(pod(), { ...cg, cgroupsPerQOS: false }), '');
  });
  it('turns requests and limits into shares, quota, memory limit and OOM score', () => {
    assert.equal(milliCPUToShares(0), 2);
    assert.equal(milliCPUToShares(250), 256);
    assert.equal(milliCPUToQuota(500, 100000), 50000);
    assert.equal(milliCPUToQuota(1, 100000), 1000);
    assert.deepEqual(containerResources(guaranteed, guaranteed.spec!.containers[0], { memoryCapacity: 8 * 1024 ** 3, cpuCFSQuota: true, cpuPeriodUs: 100000 }), { cpuShares: 512, cpuPeriod: 100000, cpuQuota: 50000, memoryLimitInBytes: 128 * 1024 ** 2, oomScoreAdj: -997 });
    assert.equal(oomScoreAdj(pod(), pod().spec!.containers[0], 8 * 1024 ** 3), 1000);
    assert.equal(oomScoreAdj(burstable, burstable.spec!.containers[0], 8 * 1024 ** 3), 875);
  });
});

describe('hosts file', () => {
  it('writes the managed hosts file with the FQDN and host aliases', () => {
    const p = pod({ hostname: 'h', subdomain: 'sub', hostAliases: [{ ip: '10.9.9.9', hostnames: ['foo', 'bar'] }] });
    const { hostname, domain } = podHostnameAndDomain(p, 'cluster.local');
    assert.equal(domain, 'sub.shop.svc.cluster.local');
    assert.equal(
      managedHostsFileContent(['10.244.0.5'], hostname, domain, p.spec!.hostAliases),
      '# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n10.244.0.5\th.sub.shop.svc.cluster.local\th\n\n# Entries added by HostAliases.\n10.9.9.9\tfoo\tbar\n',
    );
    assert.ok(managedHostsFileContent(['10.244.0.5'], 'web-1', '').endsWith('10.244.0.5\tweb-1\n'));
  });
});

describe('sandboxConfig', () => {
  it('carries metadata, hostname, log directory, labels, ports and namespaces', () => {
    const p = pod({ containers: [{ name: 'c', ports: [{ containerPort: 80, hostPort: 8080 }, { containerPort: 53, protocol: 'UDP' }] }], hostPID: true });
    const c = sandboxConfig(p, 2, { podLogsDir: '/var/log/pods', dns, cgroups: { cgroupsPerQOS: true, cgroupDriver: 'cgroupfs' } });
    assert.deepEqual(c.metadata, { name: 'web-1', namespace: 'shop', uid: '1234-abcd', attempt: 2 });
    assert.equal(c.hostname, 'web-1');
    assert.equal(c.logDirectory, '/var/log/pods/shop_web-1_1234-abcd');
    assert.deepEqual(c.labels, { app: 'web', 'io.kubernetes.pod.name': 'web-1', 'io.kubernetes.pod.namespace': 'shop', 'io.kubernetes.pod.uid': '1234-abcd' });
    assert.deepEqual(c.annotations, { a: 'b' });
    assert.deepEqual(c.portMappings, [{ protocol: 'TCP', containerPort: 80, hostPort: 8080, hostIp: '' }, { protocol: 'UDP', containerPort: 53, hostPort: 0, hostIp: '' }]);
    assert.deepEqual(c.linux!.securityContext!.namespaceOptions, { network: 'POD', pid: 'NODE', ipc: 'POD' });
    assert.equal(c.linux!.cgroupParent, '/kubepods/besteffort/pod1234-abcd');
    assert.equal(sandboxConfig(pod({ hostNetwork: true }), 0, { podLogsDir: '/l', dns, cgroups: { cgroupsPerQOS: true, cgroupDriver: 'cgroupfs' } }).hostname, '');
  });
});
