// Lifecycle hooks (pkg/kubelet/lifecycle handlers): postStart and preStop with exec (CRI
// ExecSync), httpGet (any answer counts; only a transport error fails) and sleep, and the
// failure messages upstream puts in FailedPostStartHook / FailedPreStopHook events.
import * as http from 'node:http';
import * as https from 'node:https';
import type { Container, LifecycleHandler, Pod } from 'kubernetes-types/core/v1.js';
import type { RuntimeApi } from './cri.js';
import { execInContainer, httpGetURL, httpHeaders } from '../prober/prober.js';

export interface HookTarget {
  pod: Pod;
  container: Container;
  containerId: string;
  podIP: string;
}

/** format.Pod: name_namespace(uid). */
export function formatPod(pod: Pod): string {
  return `${pod.metadata?.name}_${pod.metadata?.namespace}(${pod.metadata?.uid})`;
}

function httpGet(url: URL, headers: Record<string, string>, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const mod = url.protocol === 'https:' ? https : http;
    const req = mod.request(url, { method: 'GET', headers, rejectUnauthorized: false, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve());
      res.on('error', reject);
    });
    const t = setTimeout(() => req.destroy(new Error('context deadline exceeded')), timeoutMs);
    req.on('close', () => clearTimeout(t));
    req.on('error', reject);
    req.end();
  });
}

/**
 * Runs a handler; resolves with "" on success or the failure message for the event.
 * timeoutSeconds bounds exec and httpGet (the remaining grace period for preStop).
 */
export async function runHook(cri: RuntimeApi, h: LifecycleHandler, t: HookTarget, timeoutSeconds: number): Promise<string> {
  const who = `for Container "${t.container.name}" in Pod "${formatPod(t.pod)}"`;
  if (h.exec) {
    const cmd = h.exec.command ?? [];
    try {
      const r = await execInContainer(cri, t.containerId, cmd, timeoutSeconds);
      if (r.exitCode === 0) return '';
      return `Exec lifecycle hook (${goSlice(cmd)}) ${who} failed - error: command '${cmd.join(' ')}' exited with ${r.exitCode}: ${r.output}, message: ${JSON.stringify(r.output)}`;
    } catch (err) {
      return `Exec lifecycle hook (${goSlice(cmd)}) ${who} failed - error: ${(err as Error).message}, message: ""`;
    }
  }
  if (h.httpGet) {
    let url: URL | undefined;
    try {
      url = httpGetURL(h.httpGet, t);
      await httpGet(url, httpHeaders(h.httpGet), timeoutSeconds * 1000);
      return '';
    } catch (err) {
      const target = url ? url.pathname : (h.httpGet.path ?? '');
      return `HTTP lifecycle hook (${target}) ${who} failed - error: Get "${url?.href ?? ''}": ${(err as Error).message}`;
    }
  }
  if (h.sleep) {
    await new Promise((r) => setTimeout(r, Math.min(h.sleep!.seconds, timeoutSeconds) * 1000));
    return '';
  }
  return `Cannot run handler: unknown handler type ${who}`;
}

/** Go's %v of a []string: [a b c]. */
function goSlice(xs: string[]): string {
  return `[${xs.join(' ')}]`;
}
