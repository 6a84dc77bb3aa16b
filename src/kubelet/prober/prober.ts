// Runs one probe handler (exec, httpGet, tcpSocket, grpc) against a container (pkg/kubelet/prober
// prober.runProbe): ports by number or by the container's port name, host defaulting to the pod
// IP. The same helpers run lifecycle hooks' exec and httpGet handlers.
import type { Container, HTTPGetAction, Pod, Probe } from 'kubernetes-types/core/v1.js';
import type { RuntimeApi } from '../pods/cri.js';
import { grpcProbe } from './grpc.js';
import { httpProbe } from './http.js';
import type { ProbeOutcome } from './results.js';
import { tcpProbe } from './tcp.js';

export interface ProbeTarget {
  pod: Pod;
  container: Container;
  containerId: string;
  podIP: string;
}

/** A port given as a number or as the name of one of the container's ports. */
export function resolvePort(port: number | string | undefined, container: Container): number {
  if (typeof port === 'number') return port;
  if (port === undefined || port === '') throw new Error('port is required');
  if (/^\d+$/.test(port)) return Number(port);
  const p = (container.ports ?? []).find((x) => x.name === port);
  if (!p) throw new Error(`couldn't find port: ${port} in ${container.name}`);
  return p.containerPort;
}

export function httpGetURL(action: HTTPGetAction, t: ProbeTarget): URL {
  const scheme = (action.scheme ?? 'HTTP').toLowerCase();
  const host = action.host || t.podIP;
  const port = resolvePort(action.port as number | string, t.container);
  let path = action.path ?? '';
  if (path && !path.startsWith('/')) path = `/${path}`;
  return new URL(`${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}${path}`);
}

export function httpHeaders(action: HTTPGetAction): Record<string, string> {
  const h: Record<string, string> = {};
  for (const x of action.httpHeaders ?? []) h[x.name] = x.value;
  return h;
}

/** ExecSync with a timeout; the output is stdout+stderr as upstream's exec prober returns it. */
export async function execInContainer(cri: RuntimeApi, containerId: string, cmd: string[], timeoutSeconds: number): Promise<{ exitCode: number; output: string }> {
  const r = await cri.execSync({ containerId, cmd, timeout: timeoutSeconds });
  const out = Buffer.concat([Buffer.from(r.stdout ?? []), Buffer.from(r.stderr ?? [])]).toString('utf8');
  return { exitCode: r.exitCode ?? 0, output: out };
}

export async function runProbe(cri: RuntimeApi, probe: Probe, t: ProbeTarget): Promise<ProbeOutcome> {
  const timeout = probe.timeoutSeconds ?? 1;
  try {
    if (probe.exec) {
      const cmd = probe.exec.command ?? [];
      try {
        const r = await execInContainer(cri, t.containerId, cmd, timeout);
        return r.exitCode === 0 ? { result: 'success', output: r.output } : { result: 'failure', output: r.output };
      } catch (err) {
        const msg = String((err as Error).message ?? err);
        if (/deadline|timeout|timed out/i.test(msg)) return { result: 'failure', output: `command "${cmd.join(' ')}" timed out` };
        return { result: 'unknown', output: msg };
      }
    }
    if (probe.httpGet) return await httpProbe({ url: httpGetURL(probe.httpGet, t), headers: httpHeaders(probe.httpGet), timeoutMs: timeout * 1000 });
    if (probe.tcpSocket) return await tcpProbe(probe.tcpSocket.host || t.podIP, resolvePort(probe.tcpSocket.port as number | string, t.container), timeout * 1000);
    if (probe.grpc) return await grpcProbe(t.podIP, probe.grpc.port, probe.grpc.service ?? '', timeout);
  } catch (err) {
    return { result: 'unknown', output: String((err as Error).message ?? err) };
  }
  return { result: 'unknown', output: 'missing probe handler' };
}
