import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Auditor } from '../../../src/apiserver/audit/auditor.js';
import type { AuditRequest } from '../../../src/apiserver/audit/auditor.js';
import { formatMicroTime, formatRFC3339Nano, goJSON } from '../../../src/apiserver/audit/event.js';
import type { AuditWriter } from '../../../src/apiserver/audit/logbackend.js';
import { parsePolicy } from '../../../src/apiserver/audit/policy.js';
import type { Logger } from '../../../src/util/klog.js';
import { tempDir } from '../tempdir.js';

const tmp = tempDir('k8ts-auditor-');

class MemoryWriter implements AuditWriter {
  lines: string[] = [];
  write(line: string): void {
    this.lines.push(line);
  }
  async flush(): Promise<void> {}
  async close(): Promise<void> {}
  events(): Record<string, any>[] {
    return this.lines.map((l) => {
      assert.ok(l.endsWith('\n'));
      return JSON.parse(l);
    });
  }
}

const quiet: Logger = { info() {}, warning() {}, error() {}, v: () => ({ info() {}, enabled: false }) };

function policy(rules: string, extra = ''): ReturnType<typeof parsePolicy> {
  return parsePolicy(`apiVersion: audit.k8s.io/v1\nkind: Policy\n${extra}rules:\n${rules}`);
}

// 2024-05-06T07:08:09.123456Z and a clock 250 µs later
const RECEIVED = Date.UTC(2024, 4, 6, 7, 8, 9, 123) * 1000 + 456;
function setup(rules: string, extra = '', format: 'json' | 'legacy' = 'json') {
  const w = new MemoryWriter();
  let t = RECEIVED;
  const a = new Auditor({ policy: policy(rules, extra), writer: w, format, clock: () => (t += 250), log: quiet });
  return { a, w };
}

function listPods(o: Partial<AuditRequest> = {}): AuditRequest {
  return {
    auditID: '1f6a5e49-3c0a-4d3b-9d0f-0b8a6b1c2d3e',
    verb: 'list',
    requestURI: '/api/v1/namespaces/default/pods?limit=500',
    user: { username: 'admin', groups: ['system:masters', 'system:authenticated'] },
    sourceIPs: ['127.0.0.1'],
    userAgent: 'kubectl/v1.32.0 (linux/amd64) kubernetes/70d3cc9',
    objectRef: { resource: 'pods', namespace: 'default', apiVersion: 'v1' },
    requestReceivedTimestamp: RECEIVED,
    ...o,
  };
}

test('Metadata: the exact upstream line for a list', () => {
  const { a, w } = setup('- level: Metadata\n', 'omitStages: [RequestReceived]\n');
  const r = a.begin(listPods())!;
  r.annotate('authorization.k8s.io/decision', 'allow');
  r.annotate('authorization.k8s.io/reason', '');
  r.setResponse(200, { kind: 'PodList', apiVersion: 'v1', items: [] });
  r.end();
  assert.equal(w.lines.length, 1);
  assert.equal(
    w.lines[0],
    '{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"1f6a5e49-3c0a-4d3b-9d0f-0b8a6b1c2d3e",' +
      '"stage":"ResponseComplete","requestURI":"/api/v1/namespaces/default/pods?limit=500","verb":"list",' +
      '"user":{"username":"admin","groups":["system:masters","system:authenticated"]},"sourceIPs":["127.0.0.1"],' +
      '"userAgent":"kubectl/v1.32.0 (linux/amd64) kubernetes/70d3cc9",' +
      '"objectRef":{"resource":"pods","namespace":"default","apiVersion":"v1"},' +
      '"responseStatus":{"metadata":{},"code":200},' +
      '"requestReceivedTimestamp":"2024-05-06T07:08:09.123456Z","stageTimestamp":"2024-05-06T07:08:09.123706Z",' +
      '"annotations":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":""}}\n',
  );
});

test('RequestReceived comes first, stamped with the receipt time; omitStages drops stages', () => {
  const { a, w } = setup('- level: Metadata\n');
  a.begin(listPods({ requestReceivedTimestamp: new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678)) }))!.end();
  const [rr, rc] = w.events();
  assert.equal(rr.stage, 'RequestReceived');
  assert.equal(rr.requestReceivedTimestamp, '2024-01-02T03:04:05.678000Z');
  assert.equal(rr.stageTimestamp, rr.requestReceivedTimestamp);
  assert.equal(rr.responseStatus, undefined);
  assert.equal(rc.stage, 'ResponseComplete');
  assert.deepEqual(rc.responseStatus, { metadata: {}, status: 'Success', message: 'Connection closed early', code: 200 });

  const o = setup('- level: Metadata\n  omitStages: [ResponseComplete]\n');
  o.a.begin(listPods())!.end();
  assert.deepEqual(o.w.events().map((e) => e.stage), ['RequestReceived']);
});

test('levels: None logs nothing, Request keeps the request body, RequestResponse both bodies', () => {
  const { a, w } = setup(`- level: None
  verbs: [get]
- level: Request
  verbs: [create]
- level: RequestResponse
  verbs: [update]
`, 'omitStages: [RequestReceived]\n');
  assert.equal(a.begin(listPods({ verb: 'get' })), undefined);
  assert.equal(a.begin(listPods({ verb: 'list' })), undefined, 'no rule matches: None');
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default', uid: 'u-1', resourceVersion: '42' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };
  const c = a.begin(listPods({ verb: 'create', requestURI: '/api/v1/namespaces/default/pods' }))!;
  c.setRequestObject(pod);
  pod.spec.containers[0].image = 'mutated-after-logging';
  c.setResponse(201, { ...pod, status: { phase: 'Pending' } });
  c.end();
  const u = a.begin(listPods({ verb: 'update', objectRef: { resource: 'pods', namespace: 'default', name: 'web', apiVersion: 'v1' } }))!;
  u.setRequestObject(pod);
  u.setResponse(200, pod);
  u.end();
  const [ce, ue] = w.events();
  assert.equal(ce.level, 'Request');
  assert.equal(ce.requestObject.spec.containers[0].image, 'nginx', 'the body is a snapshot');
  assert.equal(ce.responseObject, undefined);
  assert.deepEqual(ce.objectRef, { resource: 'pods', namespace: 'default', name: 'web', uid: 'u-1', apiVersion: 'v1', resourceVersion: '42' });
  assert.deepEqual(ce.responseStatus, { metadata: {}, code: 201 });
  assert.equal(ue.level, 'RequestResponse');
  assert.equal(ue.requestObject.metadata.name, 'web');
  assert.equal(ue.responseObject.kind, 'Pod');
  const keys = Object.keys(ue);
  assert.deepEqual(keys, [
    'kind', 'apiVersion', 'level', 'auditID', 'stage', 'requestURI', 'verb', 'user', 'sourceIPs', 'userAgent', 'objectRef',
    'responseStatus', 'requestObject', 'responseObject', 'requestReceivedTimestamp', 'stageTimestamp',
  ]);
});

test('error responses: a Status fills responseStatus at Metadata, the body only at RequestResponse', () => {
  const { a, w } = setup('- level: Metadata\n', 'omitStages: [RequestReceived]\n');
  const r = a.begin(listPods({ verb: 'get', requestURI: '/api/v1/namespaces/default/pods/nope', objectRef: { resource: 'pods', namespace: 'default', name: 'nope', apiVersion: 'v1' } }))!;
  r.setResponse(404, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'pods "nope" not found', reason: 'NotFound', details: { name: 'nope', kind: 'pods' }, code: 404 });
  r.end();
  const line = w.lines[0];
  assert.ok(
    line.includes('"responseStatus":{"metadata":{},"status":"Failure","message":"pods \\"nope\\" not found","reason":"NotFound","details":{"name":"nope","kind":"pods"},"code":404}'),
    line,
  );
  assert.ok(!line.includes('responseObject'));
});

test('impersonation, extra, non-resource requests and Go-style escaping', () => {
  const { a, w } = setup('- level: Metadata\n', 'omitStages: [RequestReceived]\n');
  const r = a.begin({
    auditID: 'x',
    verb: 'get',
    requestURI: '/healthz?verbose=1&exclude=etcd',
    user: { username: 'system:admin', uid: 'u1', groups: ['system:masters'], extra: { 'scopes.b': ['2'], 'scopes.a': ['1'] } },
    sourceIPs: ['10.0.0.1', '192.168.1.1'],
    requestReceivedTimestamp: RECEIVED,
  })!;
  r.setImpersonatedUser({ username: 'jane', groups: ['dev'] });
  r.setResponse(200);
  r.end();
  const line = w.lines[0];
  assert.ok(line.includes('"requestURI":"/healthz?verbose=1\\u0026exclude=etcd"'), line);
  const ev = w.events()[0];
  assert.deepEqual(ev.user, { username: 'system:admin', uid: 'u1', groups: ['system:masters'], extra: { 'scopes.a': ['1'], 'scopes.b': ['2'] } });
  assert.deepEqual(Object.keys(ev.user.extra), ['scopes.a', 'scopes.b']);
  assert.deepEqual(ev.impersonatedUser, { username: 'jane', groups: ['dev'] });
  assert.equal(ev.objectRef, undefined);
  assert.equal(ev.userAgent, undefined);
  assert.equal(goJSON('<a>&\u2028'), '"\\u003ca\\u003e\\u0026\\u2028"');
  assert.equal(goJSON('x\ud800y'), '"x\\ufffdy"');
});

test('watch: ResponseStarted then ResponseComplete; long-running requests fake it when nothing was sent', () => {
  const { a, w } = setup('- level: Metadata\n', 'omitStages: [RequestReceived]\n');
  const r = a.begin(listPods({ verb: 'watch', requestURI: '/api/v1/pods?watch=true', longRunning: true }))!;
  r.stage('ResponseStarted');
  r.stage('ResponseStarted');
  r.end();
  r.end();
  assert.deepEqual(w.events().map((e) => [e.stage, e.responseStatus]), [
    ['ResponseStarted', { metadata: {}, code: 200 }],
    ['ResponseComplete', { metadata: {}, code: 200 }],
  ]);
  w.lines = [];
  a.begin(listPods({ verb: 'watch', longRunning: true }))!.end();
  assert.deepEqual(w.events().map((e) => [e.stage, e.responseStatus.message]), [
    ['ResponseStarted', 'Connection closed early'],
    ['ResponseComplete', 'Connection closed early'],
  ]);
  w.lines = [];
  const ex = a.begin(listPods({ verb: 'create', longRunning: true, objectRef: { resource: 'pods', subresource: 'exec', name: 'p', namespace: 'default', apiVersion: 'v1' } }))!;
  ex.setResponse(101);
  ex.end();
  assert.deepEqual(w.events().map((e) => [e.stage, e.responseStatus.code]), [['ResponseStarted', 101], ['ResponseComplete', 101]]);
});

test('panic stage', () => {
  const { a, w } = setup('- level: Metadata\n', 'omitStages: [RequestReceived]\n');
  const r = a.begin(listPods())!;
  r.panic(new Error('boom'));
  r.end();
  assert.deepEqual(w.events().map((e) => [e.stage, e.responseStatus]), [
    ['Panic', { metadata: {}, status: 'Failure', message: "APIServer panic'd: boom", reason: 'InternalError', code: 500 }],
  ]);
});

test('annotations: first value wins; initial annotations from begin', () => {
  const { a, w } = setup('- level: Metadata\n', 'omitStages: [RequestReceived]\n');
  const r = a.begin(listPods({ annotations: { 'z.k8s.io/x': '1' } }))!;
  r.annotate('a.k8s.io/y', 'first');
  r.annotate('a.k8s.io/y', 'second');
  r.end();
  assert.deepEqual(w.events()[0].annotations, { 'a.k8s.io/y': 'first', 'z.k8s.io/x': '1' });
});

test('User-Agent over 1024 bytes is truncated', () => {
  const { a, w } = setup('- level: Metadata\n', 'omitStages: [RequestReceived]\n');
  a.begin(listPods({ userAgent: 'x'.repeat(2000) }))!.end();
  assert.equal(w.events()[0].userAgent, 'x'.repeat(1024) + '...TRUNCATED');
});

const SECRET = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: {
    name: 'db',
    namespace: 'default',
    annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"password":"aHVudGVyMg=="}}', keep: 'me' },
  },
  type: 'Opaque',
  data: { password: 'aHVudGVyMg==' },
  stringData: { token: 'hunter2' },
};

test('Secrets: bodies never reach the log, even under RequestResponse', () => {
  const { a, w } = setup('- level: RequestResponse\n');
  const secretRef = { resource: 'secrets', namespace: 'default', apiVersion: 'v1' };
  const c = a.begin(listPods({ verb: 'create', requestURI: '/api/v1/namespaces/default/secrets', objectRef: secretRef }))!;
  assert.equal(c.level, 'Metadata');
  c.setRequestObject(SECRET);
  c.setResponse(201, SECRET);
  c.end();
  const p = a.begin(listPods({ verb: 'patch', objectRef: { ...secretRef, name: 'db' } }))!;
  p.setRequestPatch([{ op: 'replace', path: '/data/password', value: 'aHVudGVyMg==' }]);
  p.setResponse(200, SECRET);
  p.end();
  const l = a.begin(listPods({ verb: 'list', objectRef: secretRef }))!;
  l.setResponse(200, { kind: 'SecretList', apiVersion: 'v1', items: [SECRET] });
  l.end();
  // TokenReview and TokenRequest
  const tr = a.begin(listPods({ verb: 'create', objectRef: { resource: 'tokenreviews', apiGroup: 'authentication.k8s.io', apiVersion: 'v1' } }))!;
  tr.setRequestObject({ kind: 'TokenReview', spec: { token: 'eyJhbGciOi.secret-token' } });
  tr.setResponse(201, { kind: 'TokenReview', spec: { token: 'eyJhbGciOi.secret-token' }, status: { authenticated: true } });
  tr.end();
  const tq = a.begin(listPods({ verb: 'create', objectRef: { resource: 'serviceaccounts', subresource: 'token', name: 'default', namespace: 'default', apiVersion: 'v1' } }))!;
  assert.equal(tq.level, 'Request');
  tq.setRequestObject({ kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1', spec: { audiences: ['api'] } });
  tq.setResponse(201, { kind: 'TokenRequest', status: { token: 'eyJhbGciOi.issued-token' } });
  tq.end();

  const all = w.lines.join('');
  for (const s of ['aHVudGVyMg==', 'hunter2', 'secret-token', 'issued-token', 'last-applied']) assert.ok(!all.includes(s), `${s} leaked`);
  const evs = w.events();
  assert.deepEqual([...new Set(evs.map((e) => e.level))], ['Metadata', 'Request']);
  const created = evs.find((e) => e.verb === 'create' && e.objectRef.resource === 'secrets' && e.stage === 'ResponseComplete')!;
  assert.equal(created.objectRef.name, 'db', 'metadata still completes objectRef');
  assert.deepEqual(evs.find((e) => e.objectRef.subresource === 'token' && e.stage === 'ResponseComplete')!.requestObject.spec, { audiences: ['api'] });
});

test('Secrets nested in other bodies lose their data; omitManagedFields strips managedFields', () => {
  const { a, w } = setup('- level: RequestResponse\n  omitManagedFields: true\n', 'omitStages: [RequestReceived]\n');
  const mf = [{ manager: 'kubectl', operation: 'Update', fieldsV1: { 'f:data': {} } }];
  const secret = { ...SECRET, metadata: { ...SECRET.metadata, managedFields: mf } };
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', managedFields: mf } };
  const r = a.begin(listPods({ verb: 'list', objectRef: { resource: 'things', apiGroup: 'example.com', apiVersion: 'v1' } }))!;
  r.setRequestObject(pod);
  r.setResponse(200, {
    kind: 'List',
    apiVersion: 'v1',
    items: [secret, pod],
  });
  r.end();
  const t = a.begin(listPods({ verb: 'list', objectRef: { resource: 'things', apiGroup: 'example.com', apiVersion: 'v1' } }))!;
  t.setResponse(200, { kind: 'Table', apiVersion: 'meta.k8s.io/v1', rows: [{ cells: ['db'], object: secret }] });
  t.end();
  const all = w.lines.join('');
  assert.ok(!all.includes('aHVudGVyMg=='));
  assert.ok(!all.includes('managedFields'));
  const [ev, tab] = w.events();
  assert.deepEqual(ev.responseObject.items[0].metadata, { name: 'db', namespace: 'default', annotations: { keep: 'me' } });
  assert.equal(ev.responseObject.items[0].type, 'Opaque');
  assert.deepEqual(ev.requestObject.metadata, { name: 'p' });
  assert.deepEqual(tab.responseObject.rows[0].object.metadata.annotations, { keep: 'me' });
  // the caller's objects are untouched
  assert.equal(secret.data.password, 'aHVudGVyMg==');
  assert.equal(pod.metadata.managedFields, mf);

  // without omitManagedFields they stay
  const k = setup('- level: RequestResponse\n', 'omitStages: [RequestReceived]\n');
  const r2 = k.a.begin(listPods({ verb: 'get' }))!;
  r2.setResponse(200, pod);
  r2.end();
  assert.deepEqual(k.w.events()[0].responseObject.metadata.managedFields, mf);
});

test('legacy format lines', () => {
  const { a, w } = setup('- level: Metadata\n', '', 'legacy');
  const r = a.begin(listPods({ requestReceivedTimestamp: RECEIVED }))!;
  r.setImpersonatedUser({ username: 'jane', groups: ['dev', 'qa'] });
  r.setResponse(200);
  r.end();
  assert.deepEqual(w.lines, [
    '2024-05-06T07:08:09.123456Z AUDIT: id="1f6a5e49-3c0a-4d3b-9d0f-0b8a6b1c2d3e" stage="RequestReceived" ip="127.0.0.1" method="list" user="admin" groups="\\"system:masters\\",\\"system:authenticated\\"" as="<self>" asgroups="<lookup>" user-agent="kubectl/v1.32.0 (linux/amd64) kubernetes/70d3cc9" namespace="default" uri="/api/v1/namespaces/default/pods?limit=500" response="<deferred>"\n',
    '2024-05-06T07:08:09.123456Z AUDIT: id="1f6a5e49-3c0a-4d3b-9d0f-0b8a6b1c2d3e" stage="ResponseComplete" ip="127.0.0.1" method="list" user="admin" groups="\\"system:masters\\",\\"system:authenticated\\"" as="jane" asgroups="\\"dev\\",\\"qa\\"" user-agent="kubectl/v1.32.0 (linux/amd64) kubernetes/70d3cc9" namespace="default" uri="/api/v1/namespaces/default/pods?limit=500" response="200"\n',
  ]);
  assert.equal(formatRFC3339Nano(Date.UTC(2024, 0, 1) * 1000), '2024-01-01T00:00:00Z');
  assert.equal(formatRFC3339Nano(Date.UTC(2024, 0, 1) * 1000 + 120000), '2024-01-01T00:00:00.12Z');
  assert.equal(formatMicroTime(Date.UTC(2024, 0, 1) * 1000 + 7), '2024-01-01T00:00:00.000007Z');
});

test('no policy file: nothing is audited even with a log path (which is still created); no log path: nothing either', () => {
  const logPath = join(tmp, 'nopolicy', 'audit.log');
  const a = new Auditor({ logPath, log: quiet });
  assert.equal(a.enabled, false);
  assert.equal(a.begin(listPods()), undefined);
  assert.equal(existsSync(logPath), true, 'the log file is prepared, as upstream does');
  assert.equal(readFileSync(logPath, 'utf8'), '');
  const pf = join(tmp, 'p.yaml');
  writeFileSync(pf, 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n');
  const b = new Auditor({ policyFile: pf, log: quiet });
  assert.equal(b.enabled, false);
  assert.equal(b.begin(listPods()), undefined);
});

test('policy file + log path end to end; bad options and bad policies fail construction', async () => {
  const pf = join(tmp, 'policy-e2e.yaml');
  writeFileSync(pf, 'apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n- level: Metadata\n');
  const logPath = join(tmp, 'e2e', 'logs', 'audit.log');
  const a = new Auditor({ policyFile: pf, logPath, maxSizeMB: 1, log: quiet });
  assert.equal(a.enabled, true);
  for (let i = 0; i < 50; i++) a.begin(listPods({ auditID: `id-${i}` }))!.end();
  await a.close();
  const ids = readFileSync(logPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l).auditID);
  assert.deepEqual(ids, Array.from({ length: 50 }, (_, i) => `id-${i}`));

  const bad = join(tmp, 'bad.yaml');
  writeFileSync(bad, 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Full\n');
  assert.throws(
    () => new Auditor({ policyFile: bad, logPath, log: quiet }),
    { message: `loading audit policy file: rules[0].level: Unsupported value: "Full": supported values: "None", "Metadata", "Request", "RequestResponse": from file ${bad}` },
  );
  assert.throws(() => new Auditor({ policyFile: pf, logPath, maxAgeDays: -1, log: quiet }), { message: "--audit-log-maxage -1 can't be a negative number" });
  assert.throws(() => new Auditor({ policyFile: pf, logPath, format: 'xml' as never, log: quiet }), { message: 'invalid audit log format xml, allowed formats are "legacy,json"' });
});

test("log path '-' writes to standard output", async () => {
  const out = new PassThrough();
  const chunks: string[] = [];
  out.on('data', (c) => chunks.push(String(c)));
  const a = new Auditor({ policy: policy('- level: Metadata\n', 'omitStages: [RequestReceived]\n'), logPath: '-', stdout: out, log: quiet });
  a.begin(listPods())!.end();
  await a.close();
  assert.equal(chunks.length, 1);
  assert.equal(JSON.parse(chunks[0]).stage, 'ResponseComplete');
});
