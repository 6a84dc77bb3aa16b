// tcpSocket probe (pkg/probe/tcp): success when a TCP connection opens within the timeout.
import { connect } from 'node:net';
import type { ProbeOutcome } from './results.js';
import { dialError } from './http.js';

export function tcpProbe(host: string, port: number, timeoutMs: number): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const sock = connect({ host, port });
    const done = (o: ProbeOutcome) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(o);
    };
    const timer = setTimeout(() => done({ result: 'failure', output: `dial tcp ${hostPort(host, port)}: i/o timeout` }), timeoutMs);
    sock.once('connect', () => done({ result: 'success', output: '' }));
    sock.once('error', (err) => done({ result: 'failure', output: dialError(host, port, err) }));
  });
}

export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
