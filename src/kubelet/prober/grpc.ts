// grpc probe (pkg/probe/grpc): grpc.health.v1.Health/Check over plaintext. The two messages are
// tiny (HealthCheckRequest{string service = 1}, HealthCheckResponse{ServingStatus status = 1}),
// so they are encoded by hand instead of loading a .proto.
import * as grpc from '@grpc/grpc-js';
import { goSeconds, type ProbeOutcome } from './results.js';
import { hostPort } from './tcp.js';

const servingStatus = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];

export function encodeHealthCheckRequest(service: string): Buffer {
  const s = Buffer.from(service, 'utf8');
  if (s.length === 0) return Buffer.alloc(0);
  const len: number[] = [];
  let n = s.length;
  while (n > 0x7f) {
    len.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  len.push(n);
  return Buffer.concat([Buffer.from([0x0a, ...len]), s]);
}

/** The status enum of a HealthCheckResponse (field 1, varint); 0 (UNKNOWN) when absent. */
export function decodeHealthCheckResponse(b: Buffer): number {
  let i = 0;
  let status = 0;
  const varint = (): number => {
    let v = 0;
    let shift = 0;
    while (i < b.length) {
      const x = b[i++];
      v += (x & 0x7f) * 2 ** shift;
      if (!(x & 0x80)) break;
      shift += 7;
    }
    return v;
  };
  while (i < b.length) {
    const key = varint();
    const field = key >>> 3;
    const wire = key & 7;
    if (wire === 0) {
      const v = varint();
      if (field === 1) status = v;
    } else if (wire === 2) i += varint();
    else if (wire === 5) i += 4;
    else if (wire === 1) i += 8;
    else break;
  }
  return status;
}

export function grpcProbe(host: string, port: number, service: string, timeoutSeconds: number): Promise<ProbeOutcome> {
  const addr = hostPort(host, port);
  const client = new grpc.Client(addr, grpc.credentials.createInsecure(), { 'grpc.user_agent': 'kube-probe/1.32' } as grpc.ClientOptions);
  const deadline = Date.now() + timeoutSeconds * 1000;
  return new Promise<ProbeOutcome>((resolve) => {
    client.waitForReady(deadline, (err) => {
      if (err) {
        resolve({ result: 'failure', output: `failed to connect service "${addr}" within ${goSeconds(timeoutSeconds)}: ${err.message}` });
        return;
      }
      client.makeUnaryRequest(
        '/grpc.health.v1.Health/Check',
        (s: string) => encodeHealthCheckRequest(s),
        (b: Buffer) => decodeHealthCheckResponse(b),
        service,
        new grpc.Metadata(),
        { deadline },
        (e, status) => {
          if (e) {
            if (e.code === grpc.status.UNIMPLEMENTED) resolve({ result: 'failure', output: `this server does not implement the grpc health protocol (grpc.health.v1.Health): ${e.details}` });
            else if (e.code === grpc.status.DEADLINE_EXCEEDED) resolve({ result: 'failure', output: `timeout: health rpc did not complete within ${goSeconds(timeoutSeconds)}` });
            else resolve({ result: 'failure', output: `health rpc probe failed: ${e.details || e.message}` });
            return;
          }
          if (status !== 1) resolve({ result: 'failure', output: `service unhealthy (responded with "${servingStatus[status ?? 0] ?? String(status)}")` });
          else resolve({ result: 'success', output: 'service healthy' });
        },
      );
    });
  }).finally(() => client.close());
}
