// E2E: malformed and hostile raw HTTP requests against `k8ts server`. Every one must get the
// 4xx Status that upstream kube-apiserver (v1.32) returns, never a 5xx, and the server must
// keep serving afterwards (GET /healthz after each group).
//
// Run: npx tsc -p tsconfig.json && node --test dist/test/e2e/malformed.test.js

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { ROOT_CA_CONFIGMAP, startServer, waitForNamespaceDefaults, type ServerProc } from './harness.js';

let srv: ServerProc;
let agent: https.Agent;
let base: URL;
/** Every response seen, to check that none was a 5xx. */
const seen: { method: string; path: string; status: number; body: string }[] = [];

before(async () => {
  srv = await startServer();
  const cfg = YAML.parse(readFileSync(srv.kubeconfig, 'utf8'));
  const cluster = cfg.clusters[0].cluster;
  const user = cfg.users[0].user;
  base = new URL(cluster.server);
  agent = new https.Agent({
    ca: Buffer.from(cluster['certificate-authority-data'], 'base64'),
    cert: Buffer.from(user['client-certificate-data'], 'base64'),
    key: Buffer.from(user['client-key-data'], 'base64'),
    keepAlive: false,
  });
});

after(async () => {
  agent?.destroy();
  await srv?.destroy();
});

// ---------------------------------------------------------------------------------------------
// helpers

interface Res {
  method: string;
  path: string;
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

interface ReqOpts {
  body?: string | Buffer;
  /** Content-Type (default application/json when there is a body; null: none at all) */
  type?: string | null;
  accept?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

function request(method: string, path: string, opts: ReqOpts = {}): Promise<Res> {
  return new Promise((resolveReq, reject) => {
    const headers: Record<string, string | number> = { Accept: opts.accept ?? 'application/json', ...opts.headers };
    if (opts.body !== undefined) {
      const type = opts.type === undefined ? 'application/json' : opts.type;
      if (type !== null) headers['Content-Type'] = type;
      headers['Content-Length'] = Buffer.byteLength(opts.body);
    }
    const req = https.request({ host: base.hostname, port: base.port, path, method, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const r = { method, path, status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString() };
        seen.push({ method, path, status: r.status, body: r.text.slice(0, 300) });
        resolveReq(r);
      });
      res.on('error', reject);
    });
    req.setTimeout(opts.timeoutMs ?? 15000, () => req.destroy(new Error(`${method} ${path} timed out`)));
    // The server may answer (413) before it has read the whole body; that is fine.
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE' || err.code === 'ECONNRESET') return;
      reject(err);
    });
    if (opts.body !== undefined) req.end(opts.body);
    else req.end();
  });
}

/** Read a watch stream: the events seen until `stopAfter` events, the stream's end, or ms. */
function watchEvents(path: string, stopAfter: number, ms = 5000): Promise<{ status: number; headers: IncomingHttpHeaders; events: any[]; ended: boolean; raw: string }> {
  return new Promise((resolveW, reject) => {
    const req = https.request({ host: base.hostname, port: base.port, path, method: 'GET', agent, headers: { Accept: 'application/json' } }, (res) => {
      let raw = '';
      const events: any[] = [];
      let done = false;
      const finish = (ended: boolean) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        seen.push({ method: 'GET', path, status: res.statusCode ?? 0, body: raw.slice(0, 300) });
        resolveW({ status: res.statusCode ?? 0, headers: res.headers, events, ended, raw });
        req.destroy();
      };
      const timer = setTimeout(() => finish(false), ms);
      res.on('data', (c: Buffer) => {
        raw += c.toString();
        if (res.statusCode !== 200) return; // a plain Status document, parsed at the end
        let i: number;
        while ((i = raw.indexOf('\n')) >= 0) {
          const line = raw.slice(0, i).trim();
          raw = raw.slice(i + 1);
          if (!line) continue;
          try {
            events.push(JSON.parse(line));
          } catch {
            events.push({ unparsable: line });
          }
          if (events.length >= stopAfter) return finish(false);
        }
      });
      res.on('end', () => {
        if (raw.trim()) {
          try {
            events.push(JSON.parse(raw));
          } catch {
            events.push({ unparsable: raw });
          }
        }
        finish(true);
      });
      res.on('error', () => finish(false));
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNRESET') return;
      reject(err);
    });
    req.end();
  });
}

function json(r: Res): any {
  try {
    return JSON.parse(r.text);
  } catch {
    assert.fail(`response ${r.status} is not JSON (content-type ${r.headers['content-type']}): ${r.text.slice(0, 500)}`);
  }
}

/**
 * Failures collected by the running `stest` (null outside one). expectStatus and expectCode
 * record their mismatches there and carry on, so that one wrong answer does not hide the
 * others in the same test; the test then fails with all of them.
 */
let collected: string[] | null = null;

/** A test whose expectStatus/expectCode checks are all evaluated before it fails. */
function stest(name: string, fn: () => Promise<void>): void {
  test(name, async () => {
    collected = [];
    let thrown: unknown;
    try {
      await fn();
    } catch (err) {
      thrown = err;
    }
    const errs = collected;
    collected = null;
    if (thrown) errs.push(`(test stopped) ${thrown instanceof Error ? thrown.message : String(thrown)}`);
    if (errs.length) assert.fail(`${errs.length} check(s) failed:\n- ${errs.join('\n- ')}`);
  });
}

function soft<T>(fn: () => T, describeReq: () => string, fallback: T): T {
  if (!collected) return fn();
  try {
    return fn();
  } catch (err) {
    collected.push(`${describeReq()}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
    return fallback;
  }
}

function parseOr(r: Res): any {
  try {
    return JSON.parse(r.text);
  } catch {
    return {};
  }
}

/** Assert an upstream failure Status: HTTP code, body kind/status/code/reason, and optionally the message. */
function expectStatus(r: Res, code: number, reason: string, message?: string | RegExp): any {
  const got = () => `${r.method} ${r.path} → ${r.status} ${r.text.slice(0, 400)}`;
  return soft(
    () => {
      const ctx = got();
      assert.equal(r.status, code, `expected ${code} ${reason}, got ${ctx}`);
      assert.match(String(r.headers['content-type']), /^application\/json/, `not JSON: ${ctx}`);
      const s = json(r);
      assert.equal(s.kind, 'Status', ctx);
      assert.equal(s.apiVersion, 'v1', ctx);
      assert.deepEqual(s.metadata, {}, ctx);
      assert.equal(s.status, 'Failure', ctx);
      assert.equal(s.code, code, ctx);
      assert.equal(s.reason, reason, `expected reason ${reason}, got ${ctx}`);
      if (typeof message === 'string') assert.equal(s.message, message, `expected message ${JSON.stringify(message)}, got ${ctx}`);
      else if (message) assert.match(s.message, message, `expected message matching ${message}, got ${ctx}`);
      return s;
    },
    () => `${r.method} ${r.path}`,
    parseOr(r),
  );
}

/** Assert just the HTTP status code (soft inside stest). */
function expectCode(r: Res, code: number): void {
  soft(
    () => assert.equal(r.status, code, `expected ${code}, got ${r.status} ${r.text.slice(0, 300)}`),
    () => `${r.method} ${r.path}`,
    undefined,
  );
}

async function expectHealthy(): Promise<void> {
  const r = await request('GET', '/healthz', { accept: '*/*' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.text, 'ok');
  assert.equal(srv.proc.exitCode, null, 'server process exited');
  // and it still does real work
  const l = await request('GET', '/api/v1/namespaces/default/services/kubernetes');
  assert.equal(l.status, 200, l.text);
}

const CM = '/api/v1/namespaces';
let nsCount = 0;
async function newNs(prefix: string): Promise<string> {
  const name = `${prefix}-${++nsCount}`;
  const r = await request('POST', '/api/v1/namespaces', { body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }) });
  assert.equal(r.status, 201, r.text);
  // once the controllers have added its default ServiceAccount and kube-root-ca.crt
  await waitForNamespaceDefaults(srv.kubeconfig, name);
  return name;
}

async function createCm(ns: string, name: string, data: Record<string, string> = {}): Promise<any> {
  const r = await request('POST', `${CM}/${ns}/configmaps`, { body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data }) });
  assert.equal(r.status, 201, r.text);
  return json(r);
}

const DNS1123_SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const DNS1123_LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

// ---------------------------------------------------------------------------------------------

describe('malformed requests', () => {
  describe('request bodies', () => {
    let ns: string;
    before(async () => {
      ns = await newNs('bodies');
    });

    stest('truncated JSON → 400 BadRequest', async () => {
      const r = await request('POST', `${CM}/${ns}/configmaps`, { body: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":' });
      expectStatus(r, 400, 'BadRequest', /^the object provided is unrecognized \(must be of type ConfigMap\): couldn't get version\/kind; json parse error: /);
    });

    stest('empty body, JSON array, JSON string, garbage → 400 BadRequest', async () => {
      for (const body of ['', '[]', '[{"kind":"ConfigMap"}]', '"configmap"', 'not json at all', '\u0000\u0001\u0002']) {
        const r = await request('POST', `${CM}/${ns}/configmaps`, { body });
        expectStatus(r, 400, 'BadRequest');
      }
    });

    stest('wrong JSON type for a field → 400 BadRequest', async () => {
      const r = await request('POST', `${CM}/${ns}/configmaps`, { body: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":5}}' });
      expectStatus(r, 400, 'BadRequest', /^ConfigMap in version "v1" cannot be handled as a ConfigMap: /);
      const r2 = await request('POST', `${CM}/${ns}/configmaps`, { body: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"},"data":{"a":1}}' });
      expectStatus(r2, 400, 'BadRequest', /^ConfigMap in version "v1" cannot be handled as a ConfigMap: /);
      const r3 = await request('POST', `${CM}/${ns}/configmaps`, { body: '{"apiVersion":"v1","kind":"ConfigMap","metadata":"x"}' });
      expectStatus(r3, 400, 'BadRequest', /^ConfigMap in version "v1" cannot be handled as a ConfigMap: /);
    });

    stest('bad YAML (Content-Type application/yaml) → 400 BadRequest; good YAML → 201', async () => {
      const r = await request('POST', `${CM}/${ns}/configmaps`, { body: 'apiVersion: v1\nkind: ConfigMap\nmetadata: name: x: y\n', type: 'application/yaml' });
      expectStatus(r, 400, 'BadRequest', /^the object provided is unrecognized \(must be of type ConfigMap\): /);
      const r2 = await request('POST', `${CM}/${ns}/configmaps`, { body: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n', type: 'application/yaml' });
      expectStatus(r2, 400, 'BadRequest');
      const ok = await request('POST', `${CM}/${ns}/configmaps`, { body: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  k: v\n', type: 'application/yaml' });
      assert.equal(ok.status, 201, ok.text);
      // YAML in, YAML out when asked
      const y = await request('GET', `${CM}/${ns}/configmaps/from-yaml`, { accept: 'application/yaml' });
      assert.equal(y.status, 200);
      assert.match(String(y.headers['content-type']), /^application\/yaml/);
      assert.match(y.text, /^apiVersion: v1\ndata:\n {2}k: v\nkind: ConfigMap\n/);
    });

    stest('wrong kind or apiVersion for the URL → 400 BadRequest', async () => {
      const secret = await request('POST', `${CM}/${ns}/configmaps`, { body: JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'wrongkind' } }) });
      expectStatus(secret, 400, 'BadRequest', /^Secret in version "v1" cannot be handled as a ConfigMap: /);
      const appsCm = await request('POST', `${CM}/${ns}/configmaps`, { body: JSON.stringify({ apiVersion: 'apps/v1', kind: 'ConfigMap', metadata: { name: 'wronggv' } }) });
      expectStatus(appsCm, 400, 'BadRequest', /^ConfigMap in version "v1" cannot be handled as a ConfigMap: no kind "ConfigMap" is registered for version "apps\/v1"/);
      const deploy = await request('POST', `${CM}/${ns}/configmaps`, {
        body: JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'wrongboth' } }),
      });
      expectStatus(deploy, 400, 'BadRequest', /^Deployment in version "v1" cannot be handled as a ConfigMap: /);
      const unknownGroup = await request('POST', `${CM}/${ns}/configmaps`, { body: JSON.stringify({ apiVersion: 'example.com/v1', kind: 'ConfigMap', metadata: { name: 'x' } }) });
      expectStatus(unknownGroup, 400, 'BadRequest');
      const depToCore = await request('POST', `/apis/apps/v1/namespaces/${ns}/deployments`, { body: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' } }) });
      expectStatus(depToCore, 400, 'BadRequest', /^Pod in version "v1" cannot be handled as a Deployment: /);
      // none of them was created
      const list = json(await request('GET', `${CM}/${ns}/configmaps`));
      const names: string[] = list.items.map((i: any) => i.metadata.name);
      assert.deepEqual(names.filter((n) => n.startsWith('wrong')), []);
    });

    stest('missing kind/apiVersion: upstream defaults them from the URL (201)', async () => {
      // json.Serializer.Decode fills an empty kind/version from the endpoint's GVK (gvkWithDefaults)
      const noKind = await request('POST', `${CM}/${ns}/configmaps`, { body: JSON.stringify({ apiVersion: 'v1', metadata: { name: 'nokind' } }) });
      expectCode(noKind, 201);
      if (noKind.status === 201) assert.equal(json(noKind).kind, 'ConfigMap');
      const neither = await request('POST', `${CM}/${ns}/configmaps`, { body: JSON.stringify({ metadata: { name: 'neither' }, data: { a: 'b' } }) });
      expectCode(neither, 201);
      if (neither.status === 201) {
        assert.equal(json(neither).apiVersion, 'v1');
        assert.equal(json(neither).kind, 'ConfigMap');
      }
      const noVersion = await request('POST', `${CM}/${ns}/configmaps`, { body: JSON.stringify({ kind: 'ConfigMap', metadata: { name: 'noversion' } }) });
      expectCode(noVersion, 201);
    });

    stest('missing name → 422; namespace or name mismatch with the URL → 400', async () => {
      const noName = await request('POST', `${CM}/${ns}/configmaps`, { body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: {} }) });
      const s = expectStatus(noName, 422, 'Invalid', 'ConfigMap "" is invalid: metadata.name: Required value: name or generateName is required');
      assert.deepEqual(s.details.causes, [{ reason: 'FieldValueRequired', message: 'Required value: name or generateName is required', field: 'metadata.name' }]);
      const otherNs = await request('POST', `${CM}/${ns}/configmaps`, { body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'default' } }) });
      expectStatus(otherNs, 400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
      await createCm(ns, 'named');
      const put = await request('PUT', `${CM}/${ns}/configmaps/named`, { body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'other' } }) });
      expectStatus(put, 400, 'BadRequest', 'the name of the object (other) does not match the name on the URL (named)');
      const putNs = await request('PUT', `${CM}/${ns}/configmaps/named`, { body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'named', namespace: 'default' } }) });
      expectStatus(putNs, 400, 'BadRequest', `the namespace of the object (default) does not match the namespace on the request (${ns})`);
    });

    test('server still healthy', expectHealthy);
  });

  describe('object names', () => {
    let ns: string;
    before(async () => {
      ns = await newNs('names');
    });
    const post = (name: string) => request('POST', `${CM}/${ns}/configmaps`, { body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } }) });

    stest('upper case → 422 Invalid with the DNS-1123 subdomain message', async () => {
      const s = expectStatus(await post('BadName'), 422, 'Invalid', `ConfigMap "BadName" is invalid: metadata.name: Invalid value: "BadName": ${DNS1123_SUBDOMAIN_MSG}`);
      assert.equal(s.details.name, 'BadName');
      assert.equal(s.details.kind, 'ConfigMap');
      assert.equal(s.details.group, undefined);
      assert.deepEqual(s.details.causes, [{ reason: 'FieldValueInvalid', message: `Invalid value: "BadName": ${DNS1123_SUBDOMAIN_MSG}`, field: 'metadata.name' }]);
    });

    stest('too long → 422 Invalid', async () => {
      const long = 'a'.repeat(254);
      const s = expectStatus(await post(long), 422, 'Invalid');
      assert.ok(s.message.includes('must be no more than 253 characters'), s.message);
      assert.equal(s.details.causes[0].field, 'metadata.name');
      assert.equal((await post('a'.repeat(253))).status, 201, '253 characters are fine');
    });

    stest('"..", ".", "a/b", "a%b", "-a", "a_b" → 422 Invalid', async () => {
      for (const name of ['..', '.', 'a/b', 'a%b', '-a', 'a_b', 'a..b']) {
        const s = expectStatus(await post(name), 422, 'Invalid');
        assert.ok(s.message.startsWith(`ConfigMap ${JSON.stringify(name)} is invalid: metadata.name: Invalid value: ${JSON.stringify(name)}: `), s.message);
      }
    });

    stest('namespace names are DNS-1123 labels (63 characters, no dots)', async () => {
      const nsPost = (name: string) => request('POST', '/api/v1/namespaces', { body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }) });
      expectStatus(await nsPost('BadNS'), 422, 'Invalid', `Namespace "BadNS" is invalid: metadata.name: Invalid value: "BadNS": ${DNS1123_LABEL_MSG}`);
      // IsDNS1123Label: a valid subdomain that is not a valid label "must not contain dots"
      expectStatus(await nsPost('a.b'), 422, 'Invalid', 'Namespace "a.b" is invalid: metadata.name: Invalid value: "a.b": must not contain dots');
      const s = expectStatus(await nsPost('n'.repeat(64)), 422, 'Invalid');
      assert.ok(s.message.includes('must be no more than 63 characters'), s.message);
    });

    stest('invalid label keys/values and annotation size → 422', async () => {
      const withMeta = (meta: object) => request('POST', `${CM}/${ns}/configmaps`, { body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'lbl', ...meta } }) });
      const a = expectStatus(await withMeta({ labels: { 'bad key': 'v' } }), 422, 'Invalid');
      assert.equal(a.details.causes[0].field, 'metadata.labels');
      const b = expectStatus(await withMeta({ labels: { k: 'v'.repeat(64) } }), 422, 'Invalid');
      assert.ok(b.message.includes('must be no more than 63 characters'), b.message);
      const c = expectStatus(await withMeta({ annotations: { big: 'x'.repeat(256 * 1024) } }), 422, 'Invalid');
      assert.ok(c.message.includes('metadata.annotations: Too long: may not be more than 262144 bytes'), c.message);
      const d = expectStatus(await withMeta({ finalizers: ['bad finalizer!'] }), 422, 'Invalid');
      assert.equal(d.details.causes[0].field, 'metadata.finalizers');
      assert.match(d.message, /metadata\.finalizers: Invalid value: "bad finalizer!": name part must consist of alphanumeric characters/);
    });

    test('server still healthy', expectHealthy);
  });

  describe('size limits', () => {
    let ns: string;
    before(async () => {
      ns = await newNs('sizes');
      await createCm(ns, 'target');
    });

    stest('a body over 3 MiB → 413 RequestEntityTooLarge', async () => {
      const big = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'huge' }, data: { a: 'x'.repeat(3 * 1024 * 1024) } });
      const r = await request('POST', `${CM}/${ns}/configmaps`, { body: big });
      expectStatus(r, 413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728');
      const p = await request('PATCH', `${CM}/${ns}/configmaps/target`, { body: JSON.stringify({ data: { a: 'x'.repeat(3 * 1024 * 1024) } }), type: 'application/merge-patch+json' });
      expectStatus(p, 413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728');
      const u = await request('PUT', `${CM}/${ns}/configmaps/target`, { body: big.replace('"huge"', '"target"') });
      expectStatus(u, 413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728');
    });

    stest('a ConfigMap over 1 MiB (but under 3 MiB) → 422 Too long', async () => {
      const r = await request('POST', `${CM}/${ns}/configmaps`, {
        body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'onemeg' }, data: { a: 'x'.repeat(1024 * 1024 + 1) } }),
      });
      expectStatus(r, 422, 'Invalid', 'ConfigMap "onemeg" is invalid: []: Too long: may not be more than 1048576 bytes');
    });

    test('server still healthy', expectHealthy);
  });

  describe('query parameters', () => {
    let ns: string;
    before(async () => {
      ns = await newNs('query');
      for (const n of ['q1', 'q2', 'q3']) await createCm(ns, n);
    });
    const list = (q: string) => request('GET', `${CM}/${ns}/configmaps?${q}`);

    stest('bad labelSelector → 400 BadRequest', async () => {
      for (const sel of ['a in (', 'a in (b', '!!a', 'a=b=c', 'a in b', `a=${'v'.repeat(64)}`, 'a b', '=b']) {
        expectStatus(await list(`labelSelector=${encodeURIComponent(sel)}`), 400, 'BadRequest');
      }
    });

    stest('bad fieldSelector → 400 BadRequest', async () => {
      expectStatus(await list('fieldSelector=metadata.name'), 400, 'BadRequest');
      expectStatus(await list(`fieldSelector=${encodeURIComponent('metadata.name~x')}`), 400, 'BadRequest');
      expectStatus(await list(`fieldSelector=${encodeURIComponent('spec.foo=bar')}`), 400, 'BadRequest', 'field label not supported: spec.foo');
      expectStatus(await request('GET', `${CM}/${ns}/pods?fieldSelector=${encodeURIComponent('spec.nodeName')}`), 400, 'BadRequest');
    });

    stest('bad limit, timeoutSeconds → 400 BadRequest', async () => {
      expectStatus(await list('limit=abc'), 400, 'BadRequest');
      expectStatus(await list('limit=1.5'), 400, 'BadRequest');
      expectStatus(await list('timeoutSeconds=abc'), 400, 'BadRequest');
    });

    stest('bad resourceVersion → 400 BadRequest (never 500)', async () => {
      // Upstream v1.32 answers these with a 500 (kubernetes/kubernetes#101350, #139485);
      // the fix the maintainers converge on is 400, which is what a client error must be.
      expectStatus(await list('resourceVersion=abc'), 400, 'BadRequest');
      expectStatus(await list('resourceVersion=-1'), 400, 'BadRequest');
      expectStatus(await request('GET', `${CM}/${ns}/configmaps/q1?resourceVersion=abc`), 400, 'BadRequest');
      expectStatus(await list('watch=1&resourceVersion=abc'), 400, 'BadRequest');
    });

    stest('resourceVersionMatch without resourceVersion, or unknown → 422 Invalid', async () => {
      expectStatus(
        await list('resourceVersionMatch=Exact'),
        422,
        'Invalid',
        'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided',
      );
      expectStatus(await list('resourceVersion=0&resourceVersionMatch=Bogus'), 422, 'Invalid', /resourceVersionMatch: Unsupported value: "Bogus"/);
    });

    stest('bad continue token → 400 BadRequest', async () => {
      // in name order: kube-root-ca.crt (the namespace's root CA), q1, q2, q3
      const first = json(await list('limit=1'));
      assert.equal(first.items[0].metadata.name, ROOT_CA_CONFIGMAP);
      assert.ok(first.metadata.continue, 'first page has a continue token');
      for (const c of ['garbage', '%%%', Buffer.from('{"v":"meta.k8s.io/v1","rv":"x","start":"q"}').toString('base64'), Buffer.from('not json').toString('base64')]) {
        expectStatus(await list(`limit=1&continue=${encodeURIComponent(c)}`), 400, 'BadRequest');
      }
      // a continue token together with a resourceVersion
      expectStatus(
        await list(`limit=1&resourceVersion=1&continue=${encodeURIComponent(first.metadata.continue)}`),
        400,
        'BadRequest',
        'specifying resource version is not allowed when using continue',
      );
      // the real token still works
      const second = json(await list(`limit=1&continue=${encodeURIComponent(first.metadata.continue)}`));
      assert.equal(second.items[0].metadata.name, 'q1');
    });

    stest('bad propagationPolicy / orphanDependents combination → 422 Invalid', async () => {
      await createCm(ns, 'victim');
      const q = await request('DELETE', `${CM}/${ns}/configmaps/victim?propagationPolicy=Bogus`);
      expectStatus(q, 422, 'Invalid', /propagationPolicy: Unsupported value: "Bogus": supported values: "Foreground", "Background", "Orphan", "nil"/);
      const b = await request('DELETE', `${CM}/${ns}/configmaps/victim`, { body: JSON.stringify({ kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Sideways' }) });
      expectStatus(b, 422, 'Invalid', /propagationPolicy: Unsupported value: "Sideways"/);
      const both = await request('DELETE', `${CM}/${ns}/configmaps/victim`, { body: JSON.stringify({ kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Foreground', orphanDependents: true }) });
      expectStatus(both, 422, 'Invalid', /orphanDependents and deletionPropagation cannot be both set/);
      const grace = await request('DELETE', `${CM}/${ns}/configmaps/victim?gracePeriodSeconds=abc`);
      expectStatus(grace, 400, 'BadRequest');
      // upstream v1.32 passes the DeleteOptions decode error through unconverted (a 500);
      // a malformed body is a client error: 400
      const badBody = await request('DELETE', `${CM}/${ns}/configmaps/victim`, { body: '{"kind":"DeleteOptions",' });
      expectStatus(badBody, 400, 'BadRequest');
      // still there after all of that
      expectCode(await request('GET', `${CM}/${ns}/configmaps/victim`), 200);
    });

    stest('dryRun=Bogus → 422 Invalid (ValidateDryRun: NotSupported), nothing persisted', async () => {
      const body = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dry' } });
      const c = await request('POST', `${CM}/${ns}/configmaps?dryRun=Bogus`, { body });
      expectStatus(c, 422, 'Invalid', 'CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"Bogus"}: supported values: "All"');
      expectCode(await request('GET', `${CM}/${ns}/configmaps/dry`), 404);
      const p = await request('PATCH', `${CM}/${ns}/configmaps/q1?dryRun=Bogus`, { body: '{"data":{"a":"b"}}', type: 'application/merge-patch+json' });
      expectStatus(p, 422, 'Invalid', /^PatchOptions\.meta\.k8s\.io "" is invalid: dryRun: Unsupported value/);
      const d = await request('DELETE', `${CM}/${ns}/configmaps/q1?dryRun=Bogus`);
      expectStatus(d, 422, 'Invalid', /^DeleteOptions\.meta\.k8s\.io "" is invalid: dryRun: Unsupported value/);
      const u = await request('PUT', `${CM}/${ns}/configmaps/q1?dryRun=Bogus`, { body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'q1' } }) });
      expectStatus(u, 422, 'Invalid', /^UpdateOptions\.meta\.k8s\.io "" is invalid: dryRun: Unsupported value/);
      expectCode(await request('GET', `${CM}/${ns}/configmaps/q1`), 200);
      // dryRun=All really is a dry run, also when sent in the DeleteOptions body (kubectl does that)
      const dd = await request('DELETE', `${CM}/${ns}/configmaps/q2`, { body: JSON.stringify({ kind: 'DeleteOptions', apiVersion: 'v1', dryRun: ['All'] }) });
      expectCode(dd, 200);
      expectCode(await request('GET', `${CM}/${ns}/configmaps/q2`), 200);
      const dq = await request('DELETE', `${CM}/${ns}/configmaps/q3?dryRun=All`);
      expectCode(dq, 200);
      expectCode(await request('GET', `${CM}/${ns}/configmaps/q3`), 200);
    });

    stest('fieldValidation=Bogus and an over-long fieldManager → 422 Invalid', async () => {
      const body = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'fv' } });
      expectStatus(await request('POST', `${CM}/${ns}/configmaps?fieldValidation=Bogus`, { body }), 422, 'Invalid', /fieldValidation: Unsupported value: "Bogus"/);
      expectStatus(await request('POST', `${CM}/${ns}/configmaps?fieldManager=${'m'.repeat(129)}`, { body }), 422, 'Invalid', /fieldManager: Too long: may not be (longer|more) than 128/);
      // fieldValidation=Strict rejects unknown fields with a 400
      const strict = await request('POST', `${CM}/${ns}/configmaps?fieldValidation=Strict`, { body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'fv' }, bogus: 1 }) });
      expectStatus(strict, 400, 'BadRequest', /unknown field "bogus"/);
    });

    test('server still healthy', expectHealthy);
  });

  describe('content negotiation', () => {
    let ns: string;
    before(async () => {
      ns = await newNs('negotiation');
      await createCm(ns, 'n1');
    });

    stest('unsupported Content-Type → 415 UnsupportedMediaType', async () => {
      const body = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } });
      for (const type of ['text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'image/png']) {
        expectStatus(
          await request('POST', `${CM}/${ns}/configmaps`, { body, type }),
          415,
          'UnsupportedMediaType',
          'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf',
        );
      }
      // no Content-Type at all: upstream decodes it as JSON
      const none = await request('POST', `${CM}/${ns}/configmaps`, { body, type: null });
      expectCode(none, 201);
    });

    stest('unsupported patch Content-Type → 415 UnsupportedMediaType', async () => {
      for (const type of ['application/json', 'text/plain', 'application/yaml']) {
        expectStatus(
          await request('PATCH', `${CM}/${ns}/configmaps/n1`, { body: '{"data":{"a":"b"}}', type }),
          415,
          'UnsupportedMediaType',
          'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml',
        );
      }
    });

    stest('unsupported Accept → 406 NotAcceptable', async () => {
      for (const accept of ['text/html', 'application/xml', 'image/*']) {
        const r = await request('GET', `${CM}/${ns}/configmaps/n1`, { accept });
        expectStatus(r, 406, 'NotAcceptable', 'only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf');
      }
      expectStatus(await request('GET', `${CM}/${ns}/configmaps`, { accept: 'application/json;as=Bogus;g=meta.k8s.io;v=v1' }), 406, 'NotAcceptable');
      // acceptable ones
      expectCode(await request('GET', `${CM}/${ns}/configmaps/n1`, { accept: '*/*' }), 200);
      assert.equal((await request('GET', `${CM}/${ns}/configmaps/n1`, { accept: 'text/html, application/json;q=0.9' })).status, 200);
      const table = await request('GET', `${CM}/${ns}/configmaps`, { accept: 'application/json;as=Table;g=meta.k8s.io;v=v1' });
      assert.equal(table.status, 200);
      assert.equal(json(table).kind, 'Table');
    });

    test('server still healthy', expectHealthy);
  });

  describe('routing', () => {
    let ns: string;
    before(async () => {
      ns = await newNs('routing');
      await createCm(ns, 'r1');
    });

    stest('unknown resource → 404 NotFound', async () => {
      expectStatus(await request('GET', `${CM}/${ns}/foos`), 404, 'NotFound', 'the server could not find the requested resource');
      expectStatus(await request('GET', '/api/v1/foos'), 404, 'NotFound');
      expectStatus(await request('POST', `${CM}/${ns}/foos`, { body: '{}' }), 404, 'NotFound');
      expectStatus(await request('GET', `/apis/apps/v1/namespaces/${ns}/foos`), 404, 'NotFound');
      expectStatus(await request('GET', `/apis/apps/v1/namespaces/${ns}/deployments/x/bogus`), 404, 'NotFound');
      // unknown group or version: a plain 404
      for (const path of ['/apis/nope.example.com/v1', '/apis/apps/v9/deployments', `${CM}/${ns}/nodes`, `${CM}/${ns}/namespaces`, `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/clusterroles`]) {
        // (the last ones: cluster-scoped resources are not served under a namespace)
        const r = await request('GET', path);
        expectCode(r, 404);
      }
    });

    stest('wrong method → 405 MethodNotAllowed', async () => {
      const body = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'r1' } });
      expectStatus(await request('PUT', `${CM}/${ns}/configmaps`, { body }), 405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
      expectStatus(await request('POST', `${CM}/${ns}/configmaps/r1`, { body }), 405, 'MethodNotAllowed');
      expectStatus(await request('PATCH', `${CM}/${ns}/configmaps`, { body: '{}', type: 'application/merge-patch+json' }), 405, 'MethodNotAllowed');
      // the all-namespaces list is read-only
      expectStatus(await request('POST', '/api/v1/configmaps', { body }), 405, 'MethodNotAllowed');
      // namespaces have no deletecollection
      expectStatus(await request('DELETE', '/api/v1/namespaces'), 405, 'MethodNotAllowed');
      expectCode(await request('GET', '/api/v1/namespaces/default'), 200);
    });

    stest('namespaced resource in a namespace that does not exist', async () => {
      const c = await request('POST', `${CM}/no-such-ns/configmaps`, { body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }) });
      const s = expectStatus(c, 404, 'NotFound', 'namespaces "no-such-ns" not found');
      assert.deepEqual(s.details, { name: 'no-such-ns', kind: 'namespaces' });
      expectStatus(await request('GET', `${CM}/no-such-ns/configmaps/x`), 404, 'NotFound', 'configmaps "x" not found');
      // listing in a missing namespace is an empty list, not an error
      const l = await request('GET', `${CM}/no-such-ns/configmaps`);
      assert.equal(l.status, 200);
      assert.deepEqual(json(l).items, []);
    });

    stest('the object does not exist → 404 with details', async () => {
      const g = expectStatus(await request('GET', `${CM}/${ns}/configmaps/ghost`), 404, 'NotFound', 'configmaps "ghost" not found');
      assert.deepEqual(g.details, { name: 'ghost', kind: 'configmaps' });
      const d = expectStatus(await request('GET', `/apis/apps/v1/namespaces/${ns}/deployments/ghost`), 404, 'NotFound', 'deployments.apps "ghost" not found');
      assert.deepEqual(d.details, { name: 'ghost', group: 'apps', kind: 'deployments' });
      expectStatus(await request('PUT', `${CM}/${ns}/configmaps/ghost`, { body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ghost' } }) }), 404, 'NotFound');
      expectStatus(await request('PATCH', `${CM}/${ns}/configmaps/ghost`, { body: '{}', type: 'application/merge-patch+json' }), 404, 'NotFound');
      expectStatus(await request('DELETE', `${CM}/${ns}/configmaps/ghost`), 404, 'NotFound');
      expectStatus(await request('GET', `${CM}/${ns}/pods/ghost/log`), 404, 'NotFound', 'pods "ghost" not found');
    });

    stest('creating in a terminating namespace → 403 Forbidden', async () => {
      const doomed = await newNs('doomed');
      await createCm(doomed, 'keep');
      const hold = await request('PATCH', `${CM}/${doomed}/configmaps/keep`, { body: '{"metadata":{"finalizers":["example.com/hold"]}}', type: 'application/merge-patch+json' });
      assert.equal(hold.status, 200, hold.text);
      const del = await request('DELETE', `/api/v1/namespaces/${doomed}`);
      assert.equal(del.status, 200, del.text);
      const nsObj = json(await request('GET', `/api/v1/namespaces/${doomed}`));
      assert.equal(nsObj.status.phase, 'Terminating');
      const c = await request('POST', `${CM}/${doomed}/configmaps`, { body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'late' } }) });
      const s = expectStatus(c, 403, 'Forbidden', `configmaps "late" is forbidden: unable to create new content in namespace ${doomed} because it is being terminated`);
      assert.deepEqual(s.details, {
        name: 'late',
        kind: 'configmaps',
        causes: [{ reason: 'NamespaceTerminating', message: `namespace ${doomed} is being terminated`, field: 'metadata.namespace' }],
      });
    });

    stest('system namespaces cannot be deleted → 403 Forbidden', async () => {
      for (const n of ['default', 'kube-system', 'kube-public']) {
        const r = await request('DELETE', `/api/v1/namespaces/${n}?dryRun=All`);
        expectStatus(r, 403, 'Forbidden', `namespaces "${n}" is forbidden: this namespace may not be deleted`);
      }
    });

    test('server still healthy', expectHealthy);
  });

  describe('updates and patches', () => {
    let ns: string;
    before(async () => {
      ns = await newNs('patches');
      await createCm(ns, 'p', { a: '1' });
    });
    const patch = (type: string, body: string, query = '') => request('PATCH', `${CM}/${ns}/configmaps/p${query}`, { body, type });

    stest('PUT with a stale resourceVersion → 409 Conflict', async () => {
      const cur = json(await request('GET', `${CM}/${ns}/configmaps/p`));
      const ok1 = await request('PUT', `${CM}/${ns}/configmaps/p`, { body: JSON.stringify({ ...cur, data: { a: '2' } }) });
      assert.equal(ok1.status, 200, ok1.text);
      const stale = await request('PUT', `${CM}/${ns}/configmaps/p`, { body: JSON.stringify({ ...cur, data: { a: '3' } }) });
      const s = expectStatus(stale, 409, 'Conflict', 'Operation cannot be fulfilled on configmaps "p": the object has been modified; please apply your changes to the latest version and try again');
      assert.deepEqual(s.details, { name: 'p', kind: 'configmaps' });
      // a precondition on a patch too
      const pre = await patch('application/merge-patch+json', JSON.stringify({ metadata: { resourceVersion: cur.metadata.resourceVersion }, data: { a: '4' } }));
      expectStatus(pre, 409, 'Conflict');
      // a uid precondition that does not match
      const uid = await request('DELETE', `${CM}/${ns}/configmaps/p`, { body: JSON.stringify({ kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid: '00000000-0000-0000-0000-000000000000' } }) });
      expectStatus(uid, 409, 'Conflict', /^Operation cannot be fulfilled on configmaps "p": Precondition failed: UID in precondition: 00000000-0000-0000-0000-000000000000, UID in object meta: /);
      assert.equal(json(await request('GET', `${CM}/${ns}/configmaps/p`)).data.a, '2');
    });

    stest('invalid JSON in every patch type → 400 BadRequest', async () => {
      for (const type of ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json']) {
        expectStatus(await patch(type, '{"data":'), 400, 'BadRequest');
        expectStatus(await patch(type, ''), 400, 'BadRequest');
      }
    });

    stest('JSON patch: not an array → 400; op on a missing path, failed test, unknown op → 422', async () => {
      expectStatus(await patch('application/json-patch+json', '{"op":"add","path":"/data/x","value":"1"}'), 400, 'BadRequest');
      const cases = [
        [{ op: 'remove', path: '/data/missing' }],
        [{ op: 'add', path: '/no/such/parent', value: 1 }],
        [{ op: 'test', path: '/data/a', value: 'not-the-value' }],
        [{ op: 'bogus', path: '/data/a' }],
        [{ op: 'move', from: '/data/missing', path: '/data/b' }],
      ];
      for (const ops of cases) {
        expectStatus(await patch('application/json-patch+json', JSON.stringify(ops)), 422, 'Invalid', 'the server rejected our request due to an error in our request');
      }
      assert.equal(json(await request('GET', `${CM}/${ns}/configmaps/p`)).data.a, '2', 'failed patches change nothing');
      // upstream's apiserver applies JSON patches with evanphx/json-patch v4, whose replace on a
      // missing object key adds it (a missing parent is still an error, above)
      const rep = await patch('application/json-patch+json', JSON.stringify([{ op: 'replace', path: '/data/missing', value: 'x' }]));
      assert.equal(rep.status, 200, rep.text);
      assert.equal(json(rep).data.missing, 'x');
    });

    stest('JSON patch that renames the object → 400 BadRequest', async () => {
      const r = await patch('application/json-patch+json', JSON.stringify([{ op: 'replace', path: '/metadata/name', value: 'renamed' }]));
      expectStatus(r, 400, 'BadRequest', 'the name of the object (renamed) does not match the name on the URL (p)');
    });

    stest('merge / strategic patches that are not JSON objects → 400 BadRequest', async () => {
      for (const body of ['"a string"', '42', '[1,2]', 'null', 'true']) {
        expectStatus(await patch('application/merge-patch+json', body), 400, 'BadRequest');
        if (body !== 'null') expectStatus(await patch('application/strategic-merge-patch+json', body), 400, 'BadRequest');
      }
    });

    stest('patches producing an invalid object → 422 Invalid', async () => {
      const r = await patch('application/merge-patch+json', JSON.stringify({ data: { 'bad key!': 'v' } }));
      const s = expectStatus(r, 422, 'Invalid');
      assert.equal(s.details.causes[0].field, 'data[bad key!]');
      const t = await patch('application/strategic-merge-patch+json', JSON.stringify({ metadata: { labels: { 'bad key': 'v' } } }));
      expectStatus(t, 422, 'Invalid');
      // a wrongly typed value that cannot be decoded any more
      const u = await patch('application/merge-patch+json', JSON.stringify({ data: 'not-a-map' }));
      assert.ok([400, 422].includes(u.status), `${u.status} ${u.text}`);
      expectStatus(u, u.status, u.status === 400 ? 'BadRequest' : 'Invalid');
    });


    test('server still healthy', expectHealthy);
  });

  describe('watch', () => {
    let ns: string;
    before(async () => {
      ns = await newNs('watch');
    });

    stest('a watch from a too-old resourceVersion: 200 with one ERROR event carrying 410 Expired', async () => {
      // many writes, so that resourceVersion 1 is long gone from the watch window
      const cur = await createCm(ns, 'churn');
      let rv = cur.metadata.resourceVersion;
      for (let i = 0; i < 150; i++) {
        const r = await request('PUT', `${CM}/${ns}/configmaps/churn`, { body: JSON.stringify({ ...cur, metadata: { ...cur.metadata, resourceVersion: rv }, data: { i: String(i) } }) });
        assert.equal(r.status, 200, r.text);
        rv = json(r).metadata.resourceVersion;
      }
      const w = await watchEvents(`${CM}/${ns}/configmaps?watch=1&resourceVersion=1`, 2, 5000);
      assert.equal(w.status, 200, w.raw);
      assert.ok(w.events.length >= 1, `no events: ${w.raw}`);
      const ev = w.events[0];
      assert.equal(ev.type, 'ERROR', JSON.stringify(ev));
      assert.equal(ev.object.kind, 'Status');
      assert.equal(ev.object.apiVersion, 'v1');
      assert.equal(ev.object.status, 'Failure');
      assert.equal(ev.object.code, 410);
      assert.equal(ev.object.reason, 'Expired');
      assert.match(ev.object.message, /^too old resource version: 1 \(\d+\)$/);
      assert.equal(w.events.length, 1, 'nothing after the ERROR event');
      assert.equal(w.ended, true, 'the server ends the stream after the ERROR event');
      // the same through the all-namespaces watch
      const all = await watchEvents('/api/v1/configmaps?watch=1&resourceVersion=1', 2, 5000);
      assert.equal(all.status, 200);
      assert.equal(all.events[0]?.object?.code, 410);
    });

    stest('watch with timeoutSeconds ends on time; a current resourceVersion streams changes', async () => {
      const l = json(await request('GET', `${CM}/${ns}/configmaps`));
      const started = Date.now();
      const pending = watchEvents(`${CM}/${ns}/configmaps?watch=1&resourceVersion=${l.metadata.resourceVersion}&timeoutSeconds=2`, 10, 8000);
      await new Promise((r) => setTimeout(r, 300));
      await createCm(ns, 'fresh');
      const w = await pending;
      assert.equal(w.status, 200);
      assert.equal(w.ended, true, 'stream ended by timeoutSeconds');
      assert.ok(Date.now() - started < 6000);
      assert.deepEqual(w.events.map((e) => [e.type, e.object.metadata.name]), [['ADDED', 'fresh']]);
    });

    stest('watch on a single object that does not exist streams nothing (no error)', async () => {
      const w = await watchEvents(`${CM}/${ns}/configmaps?watch=1&fieldSelector=metadata.name%3Dghost&timeoutSeconds=1`, 1, 4000);
      assert.equal(w.status, 200);
      assert.deepEqual(w.events, []);
    });

    test('server still healthy', expectHealthy);
  });

  describe('aftermath', () => {
    test('no request was answered with a 5xx', () => {
      const bad = seen.filter((s) => s.status >= 500);
      assert.deepEqual(bad, []);
    });

    test('the server logged no crash and is still running', async () => {
      await expectHealthy();
      const logs = srv.logs.join('');
      assert.doesNotMatch(logs, /Unhandled|uncaught|TypeError|RangeError|ReferenceError/i);
    });
  });
});
