// The floor of the etcd benchmark: the least a Node.js API server must do for one create on
// etcd, with none of the API server's own work. A child process serves HTTP/2 over TLS, as
// `k8ts server` does; for each POST it parses the JSON body, writes it to etcd with the same
// create transaction (If CreateRevision(key) == 0 Then Put) through the same etcd3 client,
// answers 201 with the object and its revision, and reads the write's event from a watch on
// the prefix (as the watch cache does). Values are padded to the size k8ts stores for a pod.
// Its throughput next to the raw put's tells what any API server written in Node can reach on
// this machine; the API server's figure tells what its own work costs on top.

import http2 from 'node:http2';
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Etcd3 } from 'etcd3';
import { createCA, issueCert } from '../src/pki/certs.js';
import { H2Client } from '../test/e2e/harness.js';

export interface FloorServer {
  pid: number;
  /** A client of it (2 HTTP/2 sessions, as the API benchmark uses). */
  client: H2Client;
  stop(): Promise<void>;
}

/** Start the floor server on etcd (endpoints as --etcd-servers), storing values of about valueSize bytes. */
export async function startFloorServer(endpoints: string[], valueSize: number): Promise<FloorServer> {
  const ca = await createCA({ commonName: 'floor-ca' });
  const serving = await issueCert(ca, { commonName: '127.0.0.1', ipAddresses: ['127.0.0.1'], usages: ['server'] });
  const client = await issueCert(ca, { commonName: 'bench', usages: ['client'] });
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['serve'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  child.send({ endpoints, valueSize, cert: serving.certPem, key: serving.keyPem });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve(Number(m)));
    child.once('exit', (code) => reject(new Error(`floor server exited (${code})`)));
  });
  const c = new H2Client({ server: `https://127.0.0.1:${port}`, ca: Buffer.from(ca.certPem), cert: Buffer.from(client.certPem), key: Buffer.from(client.keyPem) }, 2);
  return {
    pid: child.pid!,
    client: c,
    async stop() {
      c.destroy();
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    },
  };
}

interface ServeConfig {
  endpoints: string[];
  valueSize: number;
  cert: string;
  key: string;
}

async function serve(cfg: ServeConfig): Promise<void> {
  const etcd = new Etcd3({ hosts: cfg.endpoints });
  const prefix = '/bench-floor/';
  const watcher = await etcd.watch().prefix(prefix).create();
  watcher.on('put', (kv) => JSON.parse(kv.value.toString('utf8')));
  let pad = '';
  const srv = http2.createSecureServer({ cert: cfg.cert, key: cfg.key });
  srv.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      void (async () => {
        const obj = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        const text0 = JSON.stringify(obj);
        // pad to the stored size once, from the first body (every body is about as large)
        if (!pad && cfg.valueSize > text0.length + 40) pad = 'x'.repeat(cfg.valueSize - text0.length - 40);
        (obj.metadata ??= {}).annotations = { ...obj.metadata.annotations, 'bench/pad': pad };
        const key = `${prefix}${String(headers[':path'])}/${obj.metadata.name}`;
        const res = await etcd.if(key, 'Create', '==', 0).then(etcd.put(key).value(JSON.stringify(obj))).commit();
        if (!res.succeeded) {
          stream.respond({ ':status': 409 });
          stream.end();
          return;
        }
        obj.metadata.resourceVersion = res.header.revision;
        const out = Buffer.from(JSON.stringify(obj));
        stream.respond({ ':status': 201, 'content-type': 'application/json', 'content-length': out.length });
        stream.end(out);
      })().catch((err) => {
        if (!stream.destroyed) {
          stream.respond({ ':status': 500 });
          stream.end(String(err));
        }
      });
    });
  });
  srv.listen(0, '127.0.0.1', () => {
    const addr = srv.address();
    process.send!(typeof addr === 'object' && addr ? addr.port : 0);
  });
}

if (process.argv[2] === 'serve') {
  process.once('message', (cfg) => void serve(cfg as ServeConfig));
}
