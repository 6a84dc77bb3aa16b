// The grpc probe against a real grpc-js server implementing grpc.health.v1.Health/Check.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { decodeHealthCheckResponse, grpcProbe } from '../../../../src/kubelet/prober/grpc.js';

describe('grpc probe', () => {
  let server: grpc.Server;
  let port = 0;
  const statusByService: Record<string, number> = { '': 1, sick: 2 };
  before(async () => {
    server = new grpc.Server();
    const service: grpc.ServiceDefinition = {
      Check: {
        path: '/grpc.health.v1.Health/Check',
        requestStream: false,
        responseStream: false,
        requestSerialize: (b: Buffer) => b,
        // HealthCheckRequest{service = 1}: read the string back
        requestDeserialize: (b: Buffer) => ({ service: b.length ? b.subarray(2).toString('utf8') : '' }),
        responseSerialize: (n: number) => Buffer.from([0x08, n]),
        responseDeserialize: (b: Buffer) => decodeHealthCheckResponse(b),
      },
    };
    server.addService(service, {
      Check: (call: grpc.ServerUnaryCall<{ service: string }, number>, cb: grpc.sendUnaryData<number>) => {
        const s = statusByService[call.request.service];
        if (s === undefined) cb({ code: grpc.status.NOT_FOUND, details: 'unknown service' });
        else cb(null, s);
      },
    });
    port = await new Promise<number>((r, j) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? j(err) : r(p))));
  });
  after(() => server.forceShutdown());

  it('succeeds on SERVING and fails on NOT_SERVING with upstream messages', async () => {
    assert.deepEqual(await grpcProbe('127.0.0.1', port, '', 2), { result: 'success', output: 'service healthy' });
    assert.deepEqual(await grpcProbe('127.0.0.1', port, 'sick', 2), { result: 'failure', output: 'service unhealthy (responded with "NOT_SERVING")' });
    assert.equal((await grpcProbe('127.0.0.1', port, 'other', 2)).result, 'failure');
  });
});
