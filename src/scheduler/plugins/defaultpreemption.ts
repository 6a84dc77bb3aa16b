// DefaultPreemption (PostFilter): when a pod fits nowhere, find nodes where evicting
// lower-priority pods would make it fit. Per candidate node (dry run on a copy): remove every
// lower-priority pod, check the filters, then reprieve pods in importance order — PDB-violating
// ones first — keeping only those whose return breaks the fit. The best node is chosen by
// upstream's ordering (fewest PDB violations, lowest highest-victim priority, smallest priority
// sum, fewest victims, latest start of the top victims). Victims get a DisruptionTarget
// condition, are deleted and get a "Preempted" event; the preemptor is nominated to the node.

import { labelSelectorAsSelector } from '../../apimachinery/labels.js';
import type { CycleState, Handle, NodeToStatus, Plugin } from '../framework/interface.js';
import { NodeToStatus as NodeToStatusMap } from '../framework/interface.js';
import type { NodeInfo } from '../framework/nodeinfo.js';
import type { PodInfo } from '../framework/podinfo.js';
import { Code, Status } from '../framework/status.js';
import { fitErrorMessage } from '../framework/fiterror.js';
import type { DefaultPreemptionArgs } from '../config/types.js';
import type { Pod, PodDisruptionBudget } from '../types.js';
import { podPriority } from '../types.js';
import { logger } from '../../util/klog.js';
import { nowTimestamp } from '../../apimachinery/time.js';

const log = logger('default_preemption.go');

interface Victims {
  pods: Pod[];
  numPDBViolations: number;
}

interface Candidate {
  name: string;
  victims: Victims;
}

function startTime(p: Pod): number {
  const t = p.status?.startTime;
  return t ? Date.parse(t) : Date.now();
}

/** util.MoreImportantPod: higher priority first, then earlier start. */
export function moreImportantPod(a: Pod, b: Pod): boolean {
  const pa = podPriority(a);
  const pb = podPriority(b);
  if (pa !== pb) return pa > pb;
  return startTime(a) < startTime(b);
}

const byImportance = (a: Pod, b: Pod): number => (moreImportantPod(a, b) ? -1 : moreImportantPod(b, a) ? 1 : 0);

/** filterPodsWithPDBViolation: split pods (in order) into those whose eviction would violate a PDB and the rest. */
export function filterPodsWithPDBViolation(pods: PodInfo[], pdbs: PodDisruptionBudget[]): [PodInfo[], PodInfo[]] {
  const allowed = pdbs.map((p) => p.status?.disruptionsAllowed ?? 0);
  const violating: PodInfo[] = [];
  const nonViolating: PodInfo[] = [];
  for (const pi of pods) {
    const m = pi.pod.metadata ?? {};
    let violated = false;
    if (m.labels && Object.keys(m.labels).length) {
      pdbs.forEach((pdb, i) => {
        if (pdb.metadata?.namespace !== m.namespace) return;
        let sel;
        try {
          sel = labelSelectorAsSelector(pdb.spec?.selector ?? null);
        } catch {
          return;
        }
        if (sel.empty || !sel.matches(m.labels)) return;
        if (pdb.status?.disruptedPods && m.name! in pdb.status.disruptedPods) return;
        allowed[i]!--;
        if (allowed[i]! < 0) violated = true;
      });
    }
    (violated ? violating : nonViolating).push(pi);
  }
  return [violating, nonViolating];
}

/** pickOneNodeForPreemption with the default score functions. */
export function pickOneNodeForPreemption(cands: Candidate[]): Candidate | undefined {
  if (!cands.length) return undefined;
  for (const c of cands) if (!c.victims.pods.length) return c;
  const fns: ((c: Candidate) => number)[] = [
    (c) => -c.victims.numPDBViolations,
    (c) => -podPriority(c.victims.pods[0]!),
    (c) => -c.victims.pods.reduce((s, p) => s + podPriority(p) + 2147483648, 0),
    (c) => -c.victims.pods.length,
    (c) => {
      // the earliest start time among the highest-priority victims: later is better
      const top = podPriority(c.victims.pods[0]!);
      let earliest = Infinity;
      for (const p of c.victims.pods) if (podPriority(p) === top) earliest = Math.min(earliest, startTime(p));
      return earliest;
    },
  ];
  let left = cands;
  for (const f of fns) {
    let best = -Infinity;
    let next: Candidate[] = [];
    for (const c of left) {
      const s = f(c);
      if (s > best) {
        best = s;
        next = [c];
      } else if (s === best) next.push(c);
    }
    left = next;
    if (left.length === 1) return left[0];
  }
  return left[0];
}

export function defaultPreemption(rawArgs: unknown, h: Handle): Plugin {
  const args = rawArgs as DefaultPreemptionArgs;

  function selectVictimsOnNode(state: CycleState, pod: Pod, ni: NodeInfo, pdbs: PodDisruptionBudget[]): { victims?: Victims; status: Status | null } {
    const prio = podPriority(pod);
    const potential: PodInfo[] = [];
    const remove = (pi: PodInfo) => {
      ni.removePod(pi.pod);
      return h.runPreFilterExtensionRemovePod(state, pod, pi, ni);
    };
    const add = (pi: PodInfo) => {
      ni.addPodInfo(pi);
      return h.runPreFilterExtensionAddPod(state, pod, pi, ni);
    };
    for (const pi of ni.pods.slice()) {
      if (podPriority(pi.pod) < prio) {
        potential.push(pi);
        const s = remove(pi);
        if (s) return { status: s };
      }
    }
    if (!potential.length) return { status: Status.unresolvable('No preemption victims found for incoming pod') };
    const fit = h.runFilterPluginsWithNominatedPods(state, pod, ni);
    if (fit) return { status: fit };
    potential.sort((a, b) => byImportance(a.pod, b.pod));
    const [violating, nonViolating] = filterPodsWithPDBViolation(potential, pdbs);
    const victims: Pod[] = [];
    let numViolating = 0;
    const reprieve = (pi: PodInfo): boolean => {
      add(pi);
      const fits = !h.runFilterPluginsWithNominatedPods(state, pod, ni);
      if (!fits) {
        remove(pi);
        victims.push(pi.pod);
      }
      return fits;
    };
    for (const pi of violating) if (!reprieve(pi)) numViolating++;
    for (const pi of nonViolating) reprieve(pi);
    if (violating.length && nonViolating.length) victims.sort(byImportance);
    return { victims: { pods: victims, numPDBViolations: numViolating }, status: null };
  }

  async function prepareCandidate(c: Candidate, pod: Pod): Promise<void> {
    const client = h.client;
    if (!client) return;
    await Promise.all(
      c.victims.pods.map(async (victim) => {
        if (victim.metadata?.deletionTimestamp) return;
        const ref = { group: '', version: 'v1', resource: 'pods', namespace: victim.metadata!.namespace, name: victim.metadata!.name };
        try {
          const now = nowTimestamp();
          const conds = (victim.status?.conditions ?? []).filter((x) => x.type !== 'DisruptionTarget');
          conds.push({ type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler', message: `${pod.spec.schedulerName ?? 'default-scheduler'}: preempting to accommodate a higher priority pod`, lastProbeTime: null, lastTransitionTime: now });
          await client.patch({ ...ref, subresource: 'status' }, 'strategic', { status: { conditions: conds.filter((x) => x.type === 'DisruptionTarget') } });
          await client.delete(ref, { preconditions: { uid: victim.metadata?.uid } });
          log.v(2).info('Preemptor Pod preempted victim Pod', { preemptor: `${pod.metadata?.namespace}/${pod.metadata?.name}`, victim: `${victim.metadata?.namespace}/${victim.metadata?.name}`, node: c.name });
        } catch (err) {
          if ((err as { code?: number }).code === 404) {
            log.v(2).info('Victim Pod is already deleted', { preemptor: `${pod.metadata?.namespace}/${pod.metadata?.name}`, victim: `${victim.metadata?.namespace}/${victim.metadata?.name}`, node: c.name });
            return;
          }
          log.error('Tried to preempted pod', { pod: `${victim.metadata?.namespace}/${victim.metadata?.name}`, preemptor: `${pod.metadata?.namespace}/${pod.metadata?.name}`, err });
          return;
        }
        h.recorder?.event(victim, 'Normal', 'Preempted', `Preempted by pod ${pod.metadata?.uid} on node ${c.name}`, { action: 'Preempting', related: pod });
      }),
    );
    // lower-priority pods nominated to this node may no longer fit: clear their nomination
    const prio = podPriority(pod);
    for (const np of h.nominator.nominatedPodsForNode(c.name)) {
      if (podPriority(np.pod) >= prio || np.pod.metadata?.uid === pod.metadata?.uid) continue;
      try {
        await client.patch({ group: '', version: 'v1', resource: 'pods', namespace: np.pod.metadata!.namespace, name: np.pod.metadata!.name, subresource: 'status' }, 'merge', { status: { nominatedNodeName: null } });
      } catch {
        // not critical
      }
    }
  }

  return {
    name: 'DefaultPreemption',
    postFilter(state, pod, m: NodeToStatus) {
      const latest = h.listers?.pods.get(pod.metadata?.namespace ?? '', pod.metadata?.name ?? '') ?? pod;
      // 1) eligibility
      if (latest.spec.preemptionPolicy === 'Never') return { status: Status.unschedulable('not eligible due to preemptionPolicy=Never.') };
      const nominated = latest.status?.nominatedNodeName;
      if (nominated && m.get(nominated)?.code !== Code.UnschedulableAndUnresolvable) {
        const ni = h.snapshot().get(nominated);
        const prio = podPriority(latest);
        if (ni?.pods.some((p) => p.pod.metadata?.deletionTimestamp && podPriority(p.pod) < prio)) {
          return { status: Status.unschedulable('not eligible due to a terminating pod on the nominated node.') };
        }
      }
      // 2) candidates
      const all = h.snapshot().list();
      const potential = all.filter((ni) => m.get(ni.name)?.code === Code.Unschedulable);
      const notHelpful = () => Status.unresolvable('Preemption is not helpful for scheduling');
      if (!potential.length) {
        log.v(3).info('Preemption will not help schedule pod on any node', { pod: `${pod.metadata?.namespace}/${pod.metadata?.name}` });
        const statuses = new NodeToStatusMap();
        statuses.absentStatus = notHelpful();
        return { result: { nominatedNodeName: '' }, status: Status.unschedulable(fitErrorMessage(all.length, statuses, '', '')) };
      }
      const pdbs = h.listers?.pdbs.list() ?? [];
      const n = potential.length;
      let num = Math.floor((n * args.minCandidateNodesPercentage) / 100);
      if (num < args.minCandidateNodesAbsolute) num = args.minCandidateNodesAbsolute;
      if (num > n) num = n;
      const offset = Math.floor(Math.random() * n);
      const statuses = new NodeToStatusMap();
      const nonViolating: Candidate[] = [];
      const violating: Candidate[] = [];
      for (let i = 0; i < n; i++) {
        const orig = potential[(offset + i) % n]!;
        const r = selectVictimsOnNode(state.clone(), pod, orig.clone(), pdbs);
        if (r.victims && r.victims.pods.length) {
          (r.victims.numPDBViolations === 0 ? nonViolating : violating).push({ name: orig.name, victims: r.victims });
          if (nonViolating.length >= num || nonViolating.length + violating.length >= num) break;
        } else if (r.status) statuses.set(orig.name, r.status);
        else statuses.set(orig.name, Status.error(new Error(`expected at least one victim pod on node "${orig.name}"`)));
      }
      const cands = [...nonViolating, ...violating];
      if (!cands.length) {
        log.v(2).info('No preemption candidate is found; preemption is not helpful for scheduling', { pod: `${pod.metadata?.namespace}/${pod.metadata?.name}` });
        statuses.absentStatus = notHelpful();
        return { result: { nominatedNodeName: '' }, status: Status.unschedulable(fitErrorMessage(all.length, statuses, '', '')) };
      }
      const best = pickOneNodeForPreemption(cands)!;
      log.v(2).info('the target node for the preemption is determined', { node: best.name, pod: `${pod.metadata?.namespace}/${pod.metadata?.name}` });
      void prepareCandidate(best, pod);
      return { result: { nominatedNodeName: best.name }, status: null };
    },
  };
}
