// `k8ts sim-nodes`: run a fleet of simulated nodes (kwok-like) against an API server, from a
// kubeconfig. Flags follow the kubelet's names where the kubelet has the setting. SIGTERM or
// SIGINT stops the heartbeats and exits 0; the nodes stay registered, as when kubelets stop.
import { RestClient } from '../client/rest.js';
import { FlagError, flagUsage, parseFlags } from '../util/flags.js';
import type { FlagDef } from '../util/flags.js';
import { logger, setVerbosity } from '../util/klog.js';
import { defaultSimConfig } from './config.js';
import { startSimNodes } from './index.js';

const log = logger('simnodes');
const d = defaultSimConfig;

export const simNodesFlags: FlagDef[] = [
  { name: 'kubeconfig', type: 'string', default: '', help: 'Path to a kubeconfig file with the API server and credentials' },
  { name: 'count', type: 'int', default: 1, help: 'Number of nodes to simulate' },
  { name: 'name-prefix', type: 'string', default: d.namePrefix, help: 'Node names are <prefix><i>, i from 0' },
  { name: 'cpu', type: 'string', default: d.cpu, help: 'CPU capacity of each node' },
  { name: 'memory', type: 'string', default: d.memory, help: 'Memory capacity of each node' },
  { name: 'pods', type: 'string', default: d.pods, help: 'Pod capacity of each node (the kubelet\'s --max-pods)' },
  { name: 'ephemeral-storage', type: 'string', default: d.ephemeralStorage, help: 'Ephemeral storage capacity of each node' },
  { name: 'instance-type', type: 'string', default: d.instanceType, help: 'Value of the node.kubernetes.io/instance-type label' },
  { name: 'register-with-taints', type: 'stringSlice', default: [], help: 'Taints of every node at registration, <key>=<value>:<effect> separated by commas' },
  { name: 'node-labels', type: 'stringSlice', default: [], help: 'Extra labels for every node, key=value pairs separated by commas' },
  { name: 'node-ip-range', type: 'string', default: d.nodeIPRange, help: 'Range of node InternalIPs: node i gets host i+1' },
  { name: 'fallback-pod-cidr', type: 'string', default: d.fallbackPodCIDR, help: 'Pod IPs of nodes without spec.podCIDR come from the i-th subnet of this range' },
  { name: 'fallback-pod-cidr-mask-size', type: 'int', default: d.fallbackPodCIDRMaskSize, help: 'Prefix length of the per-node fallback pod ranges' },
  { name: 'pod-ready-delay', type: 'duration', default: d.podReadyDelayMs, help: 'Time from container start to ready' },
  { name: 'pod-run-duration', type: 'duration', default: d.podRunDurationMs, help: 'How long containers of pods with restartPolicy Never/OnFailure run before they exit' },
  { name: 'node-lease-duration-seconds', type: 'int', default: d.nodeLeaseDurationSeconds, help: 'Duration of the node Leases; they are renewed every quarter of it' },
  { name: 'node-status-report-frequency', type: 'duration', default: d.nodeStatusReportFrequencyMs, help: 'How often unchanged node status is posted' },
  { name: 'kube-api-qps', type: 'int', default: 1000, help: 'QPS to use while talking with the API server (negative: unlimited)' },
  { name: 'kube-api-burst', type: 'int', default: 2000, help: 'Burst to use while talking with the API server' },
  { name: 'v', type: 'int', default: 0, help: 'log level verbosity' },
];

function labelsOf(pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new FlagError(`invalid argument "${p}" for "--node-labels" flag: ${p} must be formatted as key=value`);
    out[p.slice(0, eq)] = p.slice(eq + 1);
  }
  return out;
}

/** <key>[=<value>]:<effect>, as the kubelet's --register-with-taints. */
export function parseTaint(spec: string): { key: string; value?: string; effect: string } {
  const colon = spec.lastIndexOf(':');
  const effect = colon > 0 ? spec.slice(colon + 1) : '';
  if (!['NoSchedule', 'PreferNoSchedule', 'NoExecute'].includes(effect)) {
    throw new FlagError(`invalid argument "${spec}" for "--register-with-taints" flag: invalid taint spec: ${spec}`);
  }
  const kv = spec.slice(0, colon);
  const eq = kv.indexOf('=');
  return eq < 0 ? { key: kv, effect } : { key: kv.slice(0, eq), value: kv.slice(eq + 1), effect };
}

export async function run(args: string[]): Promise<void> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`Run a fleet of simulated nodes against an API server.\n\nUsage:\n  k8ts sim-nodes --kubeconfig=FILE --count=N [flags]\n\nFlags:\n${flagUsage(simNodesFlags)}\n`);
    return;
  }
  let v;
  let labels: Record<string, string>;
  let taints: ReturnType<typeof parseTaint>[];
  try {
    v = parseFlags(simNodesFlags, args).values;
    labels = labelsOf(v['node-labels'] as string[]);
    taints = (v['register-with-taints'] as string[]).map(parseTaint);
    if (!v.kubeconfig) throw new FlagError('--kubeconfig is required');
    if ((v.count as number) < 0) throw new FlagError(`invalid argument "${v.count}" for "--count" flag: must not be negative`);
  } catch (e) {
    if (e instanceof FlagError) {
      process.stderr.write(`Error: ${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
  setVerbosity(v.v as number);
  let client: RestClient;
  try {
    client = await RestClient.fromKubeconfig(v.kubeconfig as string, { qps: v['kube-api-qps'] as number, burst: v['kube-api-burst'] as number });
  } catch (e) {
    process.stderr.write(`Error: ${(e as Error).message}\n`);
    process.exit(1);
  }
  const abort = new AbortController();
  let exiting = false;
  const shutdown = async (sig: string) => {
    if (exiting) return;
    exiting = true;
    log.info('received signal, shutting down', { signal: sig });
    abort.abort();
    await sim?.stop();
    client.close();
    process.exit(0);
  };
  let sim: Awaited<ReturnType<typeof startSimNodes>> | undefined;
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  try {
    sim = await startSimNodes({
      client,
      signal: abort.signal,
      count: v.count as number,
      namePrefix: v['name-prefix'] as string,
      cpu: v.cpu as string,
      memory: v.memory as string,
      pods: v.pods as string,
      ephemeralStorage: v['ephemeral-storage'] as string,
      instanceType: v['instance-type'] as string,
      labels,
      taints,
      nodeIPRange: v['node-ip-range'] as string,
      fallbackPodCIDR: v['fallback-pod-cidr'] as string,
      fallbackPodCIDRMaskSize: v['fallback-pod-cidr-mask-size'] as number,
      podReadyDelayMs: v['pod-ready-delay'] as number,
      podRunDurationMs: v['pod-run-duration'] as number,
      nodeLeaseDurationSeconds: v['node-lease-duration-seconds'] as number,
      nodeStatusReportFrequencyMs: v['node-status-report-frequency'] as number,
    });
  } catch (e) {
    process.stderr.write(`Error: ${(e as Error).message}\n`);
    process.exit(1);
  }
  if (!exiting) process.stdout.write(`k8ts sim-nodes: ${sim.nodeNames().length} nodes registered\n`);
}
