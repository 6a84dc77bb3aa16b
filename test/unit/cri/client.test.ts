// CriClient against an in-process gRPC server speaking the same runtime.v1 proto: endpoint
// forms, message shapes (camelCase, enum names, int64 as numbers, maps, bytes), error codes,
// deadlines, Status(verbose) parsing and the cgroup driver read from containerd's config.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { CriClient, CriError, PROTO_LOADER_OPTIONS, apiProtoPath, endpointPath, grpcTarget, isCriDeadlineExceeded, isCriNotFound, runtimeCgroupDriver } from '../../../src/cri/client.js';

type Handler = (call: { request: Record<string, unknown> }, cb: grpc.sendUnaryData<unknown>) => void;

describe('CriClient', () => {
  let dir: string;
  let server: grpc.Server;
  let client: CriClient;
  const seen: Record<string, unknown> = {};

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'k8ts-cri-unit-'));
    const def = protoLoader.loadSync(apiProtoPath(), PROTO_LOADER_OPTIONS);
    const pkg = grpc.loadPackageDefinition(def) as unknown as { runtime: { v1: Record<string, grpc.ServiceClientConstructor> } };
    server = new grpc.Server();
    const runtime: Record<string, Handler> = {
      Version: (_call, cb) => cb(null, { version: '0.1.0', runtimeName: 'fake', runtimeVersion: '9.9', runtimeApiVersion: 'v1' }),
      RunPodSandbox: (call, cb) => {
        seen['RunPodSandbox'] = call.request;
        cb(null, { podSandboxId: 'sb1' });
      },
      ListContainers: (_call, cb) =>
        cb(null, { containers: [{ id: 'c1', podSandboxId: 'sb1', state: 'CONTAINER_EXITED', createdAt: 1_700_000_000_123_456, labels: { a: 'b' }, metadata: { name: 'main', attempt: 2 } }] }),
      ContainerStatus: (call, cb) => cb({ code: grpc.status.NOT_FOUND, details: `container "${call.request['containerId']}" not found` } as grpc.ServiceError, null),
      ExecSync: (call, cb) => {
        const reply = () => cb(null, { stdout: Buffer.from('out\n'), stderr: Buffer.alloc(0), exitCode: 7 });
        if ((call.request['cmd'] as string[])[0] === 'slow') setTimeout(reply, 500);
        else reply();
      },
      StopContainer: (_call, cb) => setTimeout(() => cb(null, {}), 500),
      Status: (_call, cb) =>
        cb(null, {
          status: { conditions: [{ type: 'RuntimeReady', status: true }] },
          info: {
            config: JSON.stringify({ containerd: { defaultRuntimeName: 'runc', runtimes: { runc: { runtimeType: 'io.containerd.runc.v2', options: { SystemdCgroup: true } } } } }),
            golang: '"go1.19"',
            plain: 'not json',
          },
        }),
    };
    const image: Record<string, Handler> = {
      ImageStatus: (_call, cb) => cb(null, {}),
    };
    server.addService(pkg.runtime.v1.RuntimeService!.service, runtime as unknown as grpc.UntypedServiceImplementation);
    server.addService(pkg.runtime.v1.ImageService!.service, image as unknown as grpc.UntypedServiceImplementation);
    await new Promise<void>((resolve, reject) => server.bindAsync(`unix://${join(dir, 'cri.sock')}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())));
    client = new CriClient(join(dir, 'cri.sock'), { timeoutMs: 5000 });
  });

  after(async () => {
    client?.close();
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds its proto from the package root', () => {
    assert.ok(existsSync(apiProtoPath()));
  });

  it('accepts unix:// URLs, unix: and bare paths, and refuses other schemes', () => {
    assert.equal(grpcTarget('unix:///run/containerd/containerd.sock'), 'unix:///run/containerd/containerd.sock');
    assert.equal(grpcTarget('/run/x.sock'), 'unix:///run/x.sock');
    assert.equal(grpcTarget('unix:/run/x.sock'), 'unix:///run/x.sock');
    assert.equal(endpointPath('unix:///var/run/containerd/containerd.sock'), '/var/run/containerd/containerd.sock');
    assert.throws(() => grpcTarget('tcp://127.0.0.1:1234'), /unsupported runtime endpoint/);
  });

  it('Version', async () => {
    assert.deepEqual(await client.version(), { version: '0.1.0', runtimeName: 'fake', runtimeVersion: '9.9', runtimeApiVersion: 'v1' });
  });

  it('sends requests in the proto shape (camelCase, enums by name, maps)', async () => {
    const res = await client.runPodSandbox({
      config: {
        metadata: { name: 'p', uid: 'u', namespace: 'ns', attempt: 1 },
        portMappings: [{ protocol: 'UDP', containerPort: 53, hostPort: 5353 }],
        labels: { x: 'y' },
        linux: { securityContext: { namespaceOptions: { network: 'NODE', pid: 'CONTAINER' } } },
      },
      runtimeHandler: 'runc',
    });
    assert.equal(res.podSandboxId, 'sb1');
    const req = seen['RunPodSandbox'] as { config: Record<string, any>; runtimeHandler: string };
    assert.equal(req.runtimeHandler, 'runc');
    assert.deepEqual(req.config['metadata'], { name: 'p', uid: 'u', namespace: 'ns', attempt: 1 });
    assert.equal(req.config['portMappings'][0].protocol, 'UDP');
    assert.equal(req.config['portMappings'][0].hostPort, 5353);
    assert.deepEqual(req.config['labels'], { x: 'y' });
    assert.equal(req.config['linux'].securityContext.namespaceOptions.network, 'NODE');
    assert.equal(req.config['linux'].securityContext.namespaceOptions.ipc, 'POD', 'unset enums decode as their zero name');
  });

  it('receives responses with defaults, enum names and int64 as numbers', async () => {
    const { containers } = await client.listContainers();
    assert.equal(containers.length, 1);
    const c = containers[0]!;
    assert.equal(c.state, 'CONTAINER_EXITED');
    assert.equal(typeof c.createdAt, 'number');
    assert.equal(c.createdAt, 1_700_000_000_123_456);
    assert.deepEqual(c.metadata, { name: 'main', attempt: 2 });
    assert.equal(c.imageRef, '', 'unset strings default to ""');
    assert.equal(c.image, null, 'unset messages are null');
    assert.deepEqual(c.annotations, {});
  });

  it('bytes arrive as Buffers', async () => {
    const r = await client.execSync({ containerId: 'c1', cmd: ['x'] });
    assert.ok(Buffer.isBuffer(r.stdout));
    assert.equal(r.stdout.toString(), 'out\n');
    assert.equal(r.exitCode, 7);
  });

  it('errors are CriErrors with the gRPC code; NotFound is recognisable', async () => {
    const err = await client.containerStatus({ containerId: 'nope' }).catch((e: unknown) => e);
    assert.ok(err instanceof CriError);
    assert.ok(isCriNotFound(err));
    assert.equal(err.method, 'ContainerStatus');
    assert.equal(err.codeName, 'NOT_FOUND');
    assert.match(err.message, /container "nope" not found/);
  });

  it('an image the runtime lacks comes back as image: null', async () => {
    const r = await client.imageStatus({ image: { image: 'x:1' } });
    assert.equal(r.image, null);
  });

  it('calls past their deadline fail with DEADLINE_EXCEEDED', async () => {
    const short = new CriClient(`unix://${join(dir, 'cri.sock')}`, { timeoutMs: 100 });
    try {
      const err = await short.stopContainer({ containerId: 'c1' }).catch((e: unknown) => e);
      assert.ok(isCriDeadlineExceeded(err), String(err));
      // StopContainer's deadline grows with its grace period, as upstream's…
      await short.stopContainer({ containerId: 'c1', timeout: 2 });
      // …and ExecSync without a command timeout has none, with one it gets runtime + command time.
      assert.equal((await short.execSync({ containerId: 'c1', cmd: ['slow'] })).exitCode, 7);
      assert.equal((await short.execSync({ containerId: 'c1', cmd: ['slow'], timeout: 1 })).exitCode, 7);
    } finally {
      short.close();
    }
  });

  it('statusInfo parses info values and runtimeCgroupDriver reads SystemdCgroup', async () => {
    const st = await client.statusInfo();
    assert.deepEqual(st.conditions, [{ type: 'RuntimeReady', status: true, reason: '', message: '' }]);
    assert.equal(st.info['golang'], 'go1.19');
    assert.equal(st.info['plain'], 'not json');
    assert.equal(runtimeCgroupDriver(st), 'systemd');
  });

  it('runtimeCgroupDriver: cgroupfs, unset options and unknown runtimes', () => {
    const mk = (containerd: unknown) => ({ conditions: [], info: { config: { containerd } }, runtimeHandlers: [], features: null });
    assert.equal(runtimeCgroupDriver(mk({ defaultRuntimeName: 'runc', runtimes: { runc: { options: { SystemdCgroup: false } } } })), 'cgroupfs');
    assert.equal(runtimeCgroupDriver(mk({ defaultRuntimeName: 'runc', runtimes: { runc: { options: {} } } })), 'cgroupfs');
    assert.equal(runtimeCgroupDriver(mk({ defaultRuntimeName: 'crun', runtimes: { runc: { options: { SystemdCgroup: true } } } })), undefined);
    assert.equal(runtimeCgroupDriver({ conditions: [], info: {}, runtimeHandlers: [], features: null }), undefined);
  });

  it('a socket nobody listens on fails with UNAVAILABLE, not a hang', async () => {
    const none = new CriClient(join(dir, 'nobody.sock'), { timeoutMs: 2000 });
    try {
      const err = await none.version().catch((e: unknown) => e);
      assert.ok(err instanceof CriError);
      assert.ok(['UNAVAILABLE', 'DEADLINE_EXCEEDED'].includes(err.codeName), err.codeName);
    } finally {
      none.close();
    }
  });
});
