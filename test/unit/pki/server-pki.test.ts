// Tests for src/pki/server-pki.ts: first run generates a verifiable PKI, a second run reuses
// it unchanged (and quickly), a changed SAN set regenerates only the serving certificate.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCert } from '../../../src/pki/certs.js';
import { ensureServerPKI, type ServerPKIPaths } from '../../../src/pki/server-pki.js';

function snapshot(p: ServerPKIPaths): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(p)) out[k] = readFileSync(v, 'utf8');
  return out;
}

test('ensureServerPKI generates, then reuses; a missing SAN regenerates the serving cert', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-spki-'));
  try {
    const logs: string[] = [];
    const p = await ensureServerPKI(dir, { serviceIP: '10.32.0.1', bindAddress: '0.0.0.0', log: (l) => logs.push(l) });
    assert.equal(p.caCertPath, join(dir, 'pki', 'ca.crt'));
    assert.ok(logs.some((l) => /CA certificate/.test(l)));

    const ca = p.caCertPath;
    const verify = execFileSync('openssl', ['verify', '-CAfile', ca, p.serverCertPath, p.adminCertPath], { encoding: 'utf8' });
    assert.match(verify, /apiserver\.crt: OK/);
    assert.match(verify, /admin\.crt: OK/);
    const text = execFileSync('openssl', ['x509', '-noout', '-text', '-in', p.serverCertPath], { encoding: 'utf8' });
    for (const s of ['DNS:kubernetes,', 'DNS:kubernetes.default,', 'DNS:kubernetes.default.svc,', 'DNS:kubernetes.default.svc.cluster.local', 'DNS:localhost', `DNS:${hostname().toLowerCase()}`, 'IP Address:127.0.0.1', 'IP Address:10.32.0.1']) {
      assert.ok(text.includes(s), `serving cert lacks ${s}`);
    }
    assert.ok(!text.includes('IP Address:0.0.0.0'));
    assert.match(text, /TLS Web Server Authentication/);

    const caCert = parseCert(readFileSync(ca));
    assert.equal(caCert.subject.commonName, 'kubernetes');
    assert.ok(caCert.isCA);
    const admin = parseCert(readFileSync(p.adminCertPath));
    assert.equal(admin.subject.commonName, 'kubernetes-admin');
    assert.deepEqual(admin.subject.organizations, ['system:masters']);
    assert.deepEqual(admin.usages, ['client']);
    assert.match(readFileSync(p.saKeyPath, 'utf8'), /^-----BEGIN RSA PRIVATE KEY-----/);
    assert.match(readFileSync(p.saPubPath, 'utf8'), /^-----BEGIN PUBLIC KEY-----/);
    execFileSync('openssl', ['rsa', '-pubin', '-noout', '-in', p.saPubPath]);

    for (const k of [p.caKeyPath, p.serverKeyPath, p.adminKeyPath, p.saKeyPath]) assert.equal(statSync(k).mode & 0o777, 0o600, k);
    for (const c of [p.caCertPath, p.serverCertPath, p.adminCertPath, p.saPubPath]) assert.equal(statSync(c).mode & 0o777, 0o644, c);

    // second start: nothing changes (its speed is measured in bench/, not here)
    const before = snapshot(p);
    const mtimes = Object.values(p).map((f) => statSync(f).mtimeMs);
    logs.length = 0;
    for (let i = 0; i < 2; i++) {
      await ensureServerPKI(dir, { serviceIP: '10.32.0.1', bindAddress: '0.0.0.0', log: (l) => logs.push(l) });
    }
    assert.deepEqual(snapshot(p), before);
    assert.deepEqual(Object.values(p).map((f) => statSync(f).mtimeMs), mtimes);
    assert.equal(logs.length, 0, logs.join('\n'));

    // a new bind address (a SAN the cert lacks): only the serving cert is regenerated
    await ensureServerPKI(dir, { serviceIP: '10.32.0.1', bindAddress: '192.168.77.5', hostnames: ['api.example.test'], log: (l) => logs.push(l) });
    const after = snapshot(p);
    assert.notEqual(after.serverCertPath, before.serverCertPath);
    assert.notEqual(after.serverKeyPath, before.serverKeyPath);
    for (const k of ['caCertPath', 'caKeyPath', 'adminCertPath', 'adminKeyPath', 'saKeyPath', 'saPubPath']) assert.equal(after[k], before[k], k);
    assert.ok(logs.some((l) => /regenerating apiserver certificate .*missing SANs .*IP:192\.168\.77\.5/.test(l)), logs.join('\n'));
    const srv = parseCert(after.serverCertPath);
    assert.ok(srv.ipAddresses.includes('192.168.77.5'));
    assert.ok(srv.dnsNames.includes('api.example.test'));
    execFileSync('openssl', ['verify', '-CAfile', ca, p.serverCertPath]);

    // a deleted sa.pub is re-derived from sa.key (tokens stay valid); a corrupt admin cert is replaced
    unlinkSync(p.saPubPath);
    writeFileSync(p.adminCertPath, 'garbage');
    logs.length = 0;
    await ensureServerPKI(dir, { serviceIP: '10.32.0.1', bindAddress: '192.168.77.5', hostnames: ['api.example.test'], log: (l) => logs.push(l) });
    const again = snapshot(p);
    assert.equal(again.saPubPath, before.saPubPath);
    assert.equal(again.saKeyPath, before.saKeyPath);
    assert.equal(again.serverCertPath, after.serverCertPath);
    assert.notEqual(again.adminCertPath, 'garbage');
    execFileSync('openssl', ['verify', '-CAfile', ca, p.adminCertPath]);
    assert.ok(logs.some((l) => /regenerating admin client certificate/.test(l)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ensureServerPKI: a new CA regenerates every leaf', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-spki-'));
  try {
    const p = await ensureServerPKI(dir, { serviceIP: '10.96.0.1', bindAddress: '127.0.0.1', keyAlgorithm: 'ecdsa' });
    const before = snapshot(p);
    unlinkSync(p.caKeyPath);
    await ensureServerPKI(dir, { serviceIP: '10.96.0.1', bindAddress: '127.0.0.1', keyAlgorithm: 'ecdsa' });
    const after = snapshot(p);
    assert.notEqual(after.caCertPath, before.caCertPath);
    assert.notEqual(after.serverCertPath, before.serverCertPath);
    assert.notEqual(after.adminCertPath, before.adminCertPath);
    assert.equal(after.saKeyPath, before.saKeyPath);
    execFileSync('openssl', ['verify', '-CAfile', p.caCertPath, p.serverCertPath, p.adminCertPath]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
