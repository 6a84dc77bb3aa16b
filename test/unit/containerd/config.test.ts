// containerd config.toml rendering (parsed back with smol-toml) and the CNI configs against the
// seeds' 10-bridge.conf / 99-loopback.conf.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'smol-toml';
import { DEFAULT_SANDBOX_IMAGE, renderContainerdConfig } from '../../../src/containerd/config.js';
import { bridgeConf, bridgeConfTemplate, loopbackConf, pickCniVersion, writeCniConfigs } from '../../../src/containerd/cni.js';

type Any = Record<string, any>;
const CRI = 'io.containerd.grpc.v1.cri';

describe('containerd config', () => {
  const base = { root: '/var/lib/k8ts/containerd', state: '/run/k8ts/containerd', address: '/run/k8ts/containerd/containerd.sock' };

  it('has the seeds\' CRI section, with SystemdCgroup from the cgroup driver', () => {
    const cfg = parse(renderContainerdConfig({ ...base, cgroupDriver: 'systemd' })) as Any;
    assert.equal(cfg['version'], 2);
    const cri = cfg['plugins'][CRI];
    assert.equal(cri.containerd.snapshotter, 'overlayfs');
    assert.equal(cri.containerd.default_runtime_name, 'runc');
    assert.equal(cri.containerd.runtimes.runc.runtime_type, 'io.containerd.runc.v2');
    assert.equal(cri.containerd.runtimes.runc.options.SystemdCgroup, true);
    assert.equal(cri.cni.bin_dir, '/opt/cni/bin');
    assert.equal(cri.cni.conf_dir, '/etc/cni/net.d');
    const cgroupfs = parse(renderContainerdConfig(base)) as Any;
    assert.equal(cgroupfs['plugins'][CRI].containerd.runtimes.runc.options.SystemdCgroup, false, 'cgroupfs is the default');
  });

  it('keeps a private instance to its own paths and works offline', () => {
    const cfg = parse(renderContainerdConfig({ ...base, cniBinDir: '/usr/lib/cni', cniConfDir: '/tmp/x/net.d', cniConfTemplate: '/tmp/x/bridge.tmpl', sandboxImage: 'k8ts.io/pause:test', netnsMountsUnderStateDir: true })) as Any;
    assert.equal(cfg['root'], base.root);
    assert.equal(cfg['state'], base.state);
    assert.equal(cfg['grpc'].address, base.address);
    assert.equal(cfg['ttrpc'].address, base.address + '.ttrpc');
    const cri = cfg['plugins'][CRI];
    assert.equal(cri.sandbox_image, 'k8ts.io/pause:test');
    assert.equal(cri.restrict_oom_score_adj, true);
    assert.equal(cri.stream_server_address, '127.0.0.1');
    assert.equal(cri.stream_server_port, '0', 'a random port, as a string (containerd wants a string)');
    assert.equal(cri.netns_mounts_under_state_dir, true);
    assert.equal(cri.cni.bin_dir, '/usr/lib/cni');
    assert.equal(cri.cni.conf_dir, '/tmp/x/net.d');
    assert.equal(cri.cni.conf_template, '/tmp/x/bridge.tmpl');
    assert.ok(cfg['disabled_plugins'].includes('io.containerd.internal.v1.opt'), 'no /opt/containerd');
    assert.ok(!cfg['disabled_plugins'].includes('io.containerd.runtime.v1.linux'), 'the tasks service (and so the CRI) needs it');
    assert.ok(!cfg['disabled_plugins'].includes(CRI));
  });

  it('defaults the sandbox image to the locally built pause image', () => {
    const cfg = parse(renderContainerdConfig(base)) as Any;
    assert.equal(cfg['plugins'][CRI].sandbox_image, DEFAULT_SANDBOX_IMAGE);
    assert.equal(DEFAULT_SANDBOX_IMAGE, 'k8ts.io/pause:3.9');
  });
});

describe('CNI configs', () => {
  it('10-bridge.conf is the seeds\' file with the node subnet', () => {
    assert.deepEqual(bridgeConf({ subnet: '10.200.0.0/24' }), {
      cniVersion: '1.0.0',
      name: 'bridge',
      type: 'bridge',
      bridge: 'cni0',
      isGateway: true,
      ipMasq: true,
      ipam: { type: 'host-local', ranges: [[{ subnet: '10.200.0.0/24' }]], routes: [{ dst: '0.0.0.0/0' }] },
    });
  });

  it('takes a bridge name and a lease directory', () => {
    const c = bridgeConf({ subnet: '10.244.7.0/24', bridge: 'k8tsbr01', ipamDataDir: '/tmp/leases' }) as Any;
    assert.equal(c['bridge'], 'k8tsbr01');
    assert.equal(c['ipam'].dataDir, '/tmp/leases');
  });

  it('the conf_template is a network list whose subnet containerd fills from the kubelet\'s podCIDR', () => {
    const t = JSON.parse(bridgeConfTemplate({ bridge: 'k8tsbr02', portmap: true })) as Any;
    assert.equal(t['name'], 'bridge');
    assert.equal(t['cniVersion'], '1.0.0');
    assert.equal(t['plugins'][0].type, 'bridge');
    assert.equal(t['plugins'][0].bridge, 'k8tsbr02');
    assert.deepEqual(t['plugins'][0].ipam.ranges, [[{ subnet: '{{.PodCIDR}}' }]]);
    assert.deepEqual(t['plugins'][1], { type: 'portmap', capabilities: { portMappings: true } });
    assert.equal((JSON.parse(bridgeConfTemplate()) as Any)['plugins'].length, 1, 'portmap only when asked');
  });

  it('99-loopback.conf is the seeds\' file', () => {
    assert.deepEqual(loopbackConf(), { cniVersion: '1.1.0', name: 'lo', type: 'loopback' });
  });

  it('lowers a cniVersion the installed plugin does not know to its newest', () => {
    assert.equal(pickCniVersion('1.1.0', ['0.3.1', '0.4.0', '1.0.0']), '1.0.0');
    assert.equal(pickCniVersion('1.0.0', ['0.3.1', '1.0.0']), '1.0.0');
    assert.equal(pickCniVersion('1.1.0', undefined), '1.1.0', 'unknown plugin: as asked');
    assert.equal(pickCniVersion('1.1.0', ['0.10.0', '0.9.0']), '0.10.0', 'numeric, not lexical, order');
  });

  it('writes both files into the conf dir', () => {
    const dir = mkdtempSync(join(tmpdir(), 'k8ts-cni-unit-'));
    try {
      const paths = writeCniConfigs({ confDir: join(dir, 'net.d'), subnet: '10.200.1.0/24' });
      assert.equal(paths.bridge, join(dir, 'net.d', '10-bridge.conf'));
      assert.equal(JSON.parse(readFileSync(paths.bridge, 'utf8')).ipam.ranges[0][0].subnet, '10.200.1.0/24');
      assert.equal(JSON.parse(readFileSync(paths.loopback, 'utf8')).type, 'loopback');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
