// Encryption at rest and audit logging of `k8ts server` (both on by default): the raw stored
// bytes of a Secret carry the `k8s:enc:aescbc:v1:key1:` prefix and no plaintext, the Secret
// reads back after a restart, and the audit log holds audit.k8s.io/v1 events without the data.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { kc, startServer } from './harness.js';
import type { ServerProc } from './harness.js';

describe('encryption at rest and audit (k8ts server defaults)', () => {
  let srv: ServerProc;

  before(async () => {
    srv = await startServer();
  });
  after(async () => {
    await srv?.destroy();
  });

  test('a Secret is stored encrypted and reads back after a restart', async () => {
    await kc(srv.kubeconfig, ['create', 'secret', 'generic', 'db-pass', '--from-literal=password=hunter2-plaintext']);
    await kc(srv.kubeconfig, ['create', 'configmap', 'plain', '--from-literal=k=visible-plaintext']);
    await srv.stop();
    const db = new Database(join(srv.dataDir, 'db', 'state.db'), { readonly: true });
    try {
      const rows = db.prepare('SELECT key, value FROM log WHERE key = ? OR key = ?').all('/registry/secrets/default/db-pass', '/registry/configmaps/default/plain') as { key: string; value: Buffer }[];
      const secret = rows.filter((r) => r.key.includes('secrets')).pop()!;
      const cm = rows.filter((r) => r.key.includes('configmaps')).pop()!;
      assert.ok(secret, 'the secret is in the store');
      assert.equal(secret.value.subarray(0, 'k8s:enc:aescbc:v1:key1:'.length).toString('latin1'), 'k8s:enc:aescbc:v1:key1:');
      assert.ok(!secret.value.includes('hunter2-plaintext'), 'no plaintext in the stored secret');
      assert.ok(!secret.value.includes(Buffer.from('hunter2-plaintext').toString('base64')), 'no base64 plaintext either');
      assert.ok(cm.value.includes('visible-plaintext'), 'configmaps are not encrypted by the default config');
    } finally {
      db.close();
    }
    const again = await startServer({ dataDir: srv.dataDir });
    srv = again;
    const out = await kc(srv.kubeconfig, ['get', 'secret', 'db-pass', '-o', 'jsonpath={.data.password}']);
    assert.equal(Buffer.from(out, 'base64').toString(), 'hunter2-plaintext');
  });

  test('the audit log has Metadata events for requests and never Secret data', async () => {
    await kc(srv.kubeconfig, ['create', 'secret', 'generic', 'audited', '--from-literal=token=s3cr3t-value']);
    await kc(srv.kubeconfig, ['get', 'secret', 'audited']);
    // the writer is asynchronous: give it a moment
    let lines: any[] = [];
    for (let i = 0; i < 50; i++) {
      const text = readFileSync(join(srv.dataDir, 'logs', 'audit.log'), 'utf8');
      lines = text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
      if (lines.some((e) => e.verb === 'get' && e.objectRef?.name === 'audited')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const create = lines.find((e) => e.verb === 'create' && e.objectRef?.resource === 'secrets' && e.objectRef?.name === 'audited');
    assert.ok(create, 'the create is audited');
    assert.equal(create.kind, 'Event');
    assert.equal(create.apiVersion, 'audit.k8s.io/v1');
    assert.equal(create.level, 'Metadata');
    assert.equal(create.stage, 'ResponseComplete');
    assert.equal(create.user.username, 'kubernetes-admin');
    assert.equal(create.responseStatus.code, 201);
    assert.match(create.auditID, /^[0-9a-f-]{36}$/);
    assert.ok(!lines.some((e) => e.stage === 'RequestReceived'), 'RequestReceived is omitted by the default policy');
    assert.ok(!lines.some((e) => e.requestURI?.startsWith('/healthz')), 'health checks are not audited');
    const all = readFileSync(join(srv.dataDir, 'logs', 'audit.log'), 'utf8');
    assert.ok(!all.includes('s3cr3t-value') && !all.includes(Buffer.from('s3cr3t-value').toString('base64')), 'secret data never reaches the audit log');
  });
});

describe('k8ts server --audit-* flags', () => {
  let srv: ServerProc | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-audit-'));
  after(async () => {
    await srv?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a policy file, log path and legacy format of the user replace the defaults', async () => {
    const policy = join(dir, 'policy.yaml');
    writeFileSync(policy, 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n  - level: Metadata\n    resources:\n      - group: ""\n        resources: ["configmaps"]\n  - level: None\n');
    const logPath = join(dir, 'audit.log');
    srv = await startServer({ extraArgs: [`--audit-policy-file=${policy}`, `--audit-log-path=${logPath}`, '--audit-log-format=legacy'] });
    await kc(srv.kubeconfig, ['create', 'configmap', 'audited-cm', '--from-literal=k=v']);
    await kc(srv.kubeconfig, ['get', 'namespaces']);
    let text = '';
    for (let i = 0; i < 50 && !/stage="ResponseComplete".*method="create"/.test(text); i++) {
      await new Promise((r) => setTimeout(r, 100));
      text = existsSync(logPath) ? readFileSync(logPath, 'utf8') : '';
    }
    const line = text.split('\n').find((l) => l.includes('method="create"') && l.includes('/configmaps') && l.includes('stage="ResponseComplete"'));
    assert.ok(line, `a legacy line for the create in:\n${text}`);
    assert.match(line, /^\S+ AUDIT: id="[0-9a-f-]{36}" stage="ResponseComplete" ip="127\.0\.0\.1" method="create" user="[^"]+"/);
    assert.ok(!text.includes('uri="/api/v1/namespaces"'), 'the policy audits only configmaps');
    assert.ok(!existsSync(join(srv.dataDir, 'logs', 'audit.log')), 'nothing at the default path');
    assert.ok(!existsSync(join(srv.dataDir, 'audit-policy.yaml')), 'no default policy written');
  });
});
