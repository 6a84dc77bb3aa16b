// Kubelet API request parsing: streaming paths (with and without the pod uid), upstream's
// exec/attach query options, the metrics path buckets and the Prometheus text writer.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseStreamPath, streamOptions } from '../../../../src/kubelet/server/streams.js';
import { HttpError } from '../../../../src/kubelet/server/find.js';
import { Exposition, pathBucket } from '../../../../src/kubelet/server/metrics.js';

describe('streaming request parsing', () => {
  it('reads exec/attach/portForward paths, optionally with the pod uid', () => {
    assert.deepEqual(parseStreamPath('/exec/ns/pod/c'), { kind: 'exec', namespace: 'ns', pod: 'pod', container: 'c' });
    assert.deepEqual(parseStreamPath('/attach/ns/pod/uid-1/c'), { kind: 'attach', namespace: 'ns', pod: 'pod', uid: 'uid-1', container: 'c' });
    assert.deepEqual(parseStreamPath('/portForward/ns/pod'), { kind: 'portForward', namespace: 'ns', pod: 'pod' });
    assert.deepEqual(parseStreamPath('/portForward/ns/pod/uid-1'), { kind: 'portForward', namespace: 'ns', pod: 'pod', uid: 'uid-1' });
    assert.equal(parseStreamPath('/exec/ns/pod'), undefined);
    assert.equal(parseStreamPath('/pods'), undefined);
  });

  it('takes input/output/error/tty as upstream ("1"), drops stderr with a tty, needs one stream', () => {
    assert.deepEqual(streamOptions(new URLSearchParams('input=1&output=1&error=1')), { stdin: true, stdout: true, stderr: true, tty: false });
    assert.deepEqual(streamOptions(new URLSearchParams('input=1&output=1&error=1&tty=1')), { stdin: true, stdout: true, stderr: false, tty: true });
    assert.deepEqual(streamOptions(new URLSearchParams('stdout=true')), { stdin: false, stdout: true, stderr: false, tty: false });
    assert.throws(() => streamOptions(new URLSearchParams('tty=1')), (e: unknown) => e instanceof HttpError && e.status === 400 && /at least 1 of stdin, stdout, stderr/.test(e.message));
  });
});

describe('metrics helpers', () => {
  it('buckets request paths as the kubelet labels them', () => {
    assert.equal(pathBucket('/containerLogs/a/b/c'), 'containerLogs');
    assert.equal(pathBucket('/metrics/cadvisor'), 'metrics/cadvisor');
    assert.equal(pathBucket('/stats/summary'), 'stats');
    assert.equal(pathBucket('/nope'), 'other');
  });

  it('writes families with escaped labels and optional timestamps, skipping empty ones', () => {
    const e = new Exposition();
    e.family('x_total', 'counter', 'help text', [{ labels: { pod: 'a"b\\c' }, value: 1.5, ts: 1000 }, { value: undefined }]);
    e.family('empty', 'gauge', 'nothing', [{ value: undefined }]);
    assert.equal(e.text(), '# HELP x_total help text\n# TYPE x_total counter\nx_total{pod="a\\"b\\\\c"} 1.5 1000\n');
  });
});

describe('system logs (/logs/)', () => {
  it('lists directories, serves files and refuses paths outside the log dir', async () => {
    const { mkdtempSync, mkdirSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { createServer, get } = await import('node:http');
    const { serveSystemLogs } = await import('../../../../src/kubelet/server/syslogs.js');
    const root = mkdtempSync(join(tmpdir(), 'k8ts-syslogs-'));
    mkdirSync(join(root, 'pods'));
    writeFileSync(join(root, 'syslog'), 'boot ok\n');
    const srv = createServer((req, res) => {
      serveSystemLogs(new URL(req.url!, 'http://x').pathname, res, root).catch((e: HttpError) => res.writeHead(e.status ?? 500).end(e.message));
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as { port: number }).port;
    const fetchText = (path: string) =>
      new Promise<{ status: number; body: string }>((resolve) =>
        get({ host: '127.0.0.1', port, path }, (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode!, body }));
        }),
      );
    try {
      assert.deepEqual(await fetchText('/logs/'), { status: 200, body: '<pre>\n<a href="pods/">pods/</a>\n<a href="syslog">syslog</a>\n</pre>\n' });
      assert.deepEqual(await fetchText('/logs/syslog'), { status: 200, body: 'boot ok\n' });
      assert.equal((await fetchText('/logs/nope')).status, 404);
      // encoded traversal resolves inside the log dir, never outside it
      assert.equal((await fetchText('/logs/..%2F..%2F..%2Fetc%2Fpasswd')).status, 404);
    } finally {
      await new Promise<void>((r) => srv.close(() => r()));
      rmSync(root, { recursive: true, force: true });
    }
  });
});
