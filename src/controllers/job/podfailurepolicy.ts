// Pod failure policy (upstream pod_failure_policy.go) and the OnFailure restart limit: which
// rule a failed pod matches — by a container's non-zero exit code or by a pod condition — and
// what it means: FailJob (the job fails at once, reason PodFailurePolicy), Ignore (the failure
// does not count towards backoffLimit), Count (counted as usual). Pods of restartPolicy OnFailure
// jobs fail the job once their containers restarted backoffLimit times.

import type { Job, Pod } from '../util/types.js';

export const ReasonPodFailurePolicy = 'PodFailurePolicy';

export interface PolicyMatch {
  action: 'FailJob' | 'Ignore' | 'Count' | 'FailIndex';
  /** the FailJob/FailIndex message */
  message: string;
}

interface Rule {
  action: string;
  onExitCodes?: { containerName?: string; operator: string; values: number[] };
  onPodConditions?: { type: string; status?: string }[];
}

/** The first rule of spec.podFailurePolicy matching a failed pod, if any. */
export function matchPodFailurePolicy(job: Job, pod: Pod): PolicyMatch | undefined {
  const rules = ((job.spec as { podFailurePolicy?: { rules?: Rule[] } } | undefined)?.podFailurePolicy?.rules ?? []) as Rule[];
  const ns = pod.metadata?.namespace;
  const name = pod.metadata?.name;
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    const action = rule.action as PolicyMatch['action'];
    if (rule.onExitCodes) {
      const r = rule.onExitCodes;
      for (const cs of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
        const code = cs.state?.terminated?.exitCode;
        if (code === undefined || code === 0) continue;
        if (r.containerName && r.containerName !== cs.name) continue;
        const inValues = r.values.includes(code);
        if ((r.operator === 'In' && inValues) || (r.operator === 'NotIn' && !inValues)) {
          return { action, message: `Container ${cs.name} for pod ${ns}/${name} failed with exit code ${code} matching ${action} rule at index ${i}` };
        }
      }
    }
    for (const pattern of rule.onPodConditions ?? []) {
      const c = pod.status?.conditions?.find((x) => x.type === pattern.type && x.status === (pattern.status ?? 'True'));
      if (c) return { action, message: `Pod ${ns}/${name} has condition ${c.type} matching ${action} rule at index ${i}` };
    }
  }
  return undefined;
}

/** restartPolicy OnFailure: the active pods' container restarts reached backoffLimit. */
export function pastBackoffLimitOnFailure(job: Job, activePods: Pod[]): boolean {
  if (job.spec?.template?.spec?.restartPolicy !== 'OnFailure') return false;
  let restarts = 0;
  for (const p of activePods) {
    if (p.status?.phase !== 'Running' && p.status?.phase !== 'Pending') continue;
    for (const s of [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])]) restarts += s.restartCount ?? 0;
  }
  const limit = job.spec?.backoffLimit ?? 6;
  return limit === 0 ? restarts > 0 : restarts >= limit;
}
