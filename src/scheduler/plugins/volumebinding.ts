// VolumeBinding (basics): PreFilter resolves the pod's PVCs — a missing or terminating claim,
// or an unbound claim whose StorageClass binds Immediately, makes the pod unschedulable; Filter
// checks bound claims' PersistentVolume node affinity and, for WaitForFirstConsumer claims,
// that a matching available PV or a dynamic provisioner exists; PreBind binds a chosen static
// PV (claimRef) or marks a claim for provisioning (volume.kubernetes.io/selected-node).

import type { CycleState, Handle, Plugin } from '../framework/interface.js';
import { ActionType } from '../framework/interface.js';
import { nodeSelectorMatches } from '../framework/helpers.js';
import type { NodeInfo } from '../framework/nodeinfo.js';
import { value } from '../framework/resource.js';
import { SKIP, Status } from '../framework/status.js';
import type { PersistentVolume, PersistentVolumeClaim, Pod } from '../types.js';

export const ErrReasonBindConflict = "node(s) didn't find available persistent volumes to bind";
export const ErrReasonNodeConflict = 'node(s) had volume node affinity conflict';
export const ErrReasonNotEnoughSpace = 'node(s) did not have enough free storage';
export const ErrReasonPVNotExist = 'node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)';
export const ErrUnboundImmediate = 'pod has unbound immediate PersistentVolumeClaims';

const stateKey = 'PreFilterVolumeBinding';

interface State {
  bound: { pvc: PersistentVolumeClaim; pv?: PersistentVolume }[];
  delayed: PersistentVolumeClaim[];
  /** node name → chosen PVs per delayed claim (written by Filter, read in Reserve/PreBind) */
  chosen: Map<string, (PersistentVolume | undefined)[]>;
}

function pvMatchesClaim(pv: PersistentVolume, pvc: PersistentVolumeClaim): boolean {
  if (pv.spec?.claimRef || pv.metadata?.deletionTimestamp) return false;
  if ((pv.spec?.storageClassName ?? '') !== (pvc.spec?.storageClassName ?? '')) return false;
  const want = value(pvc.spec?.resources?.requests?.storage);
  if (value(pv.spec?.capacity?.storage) < want) return false;
  for (const m of pvc.spec?.accessModes ?? []) if (!(pv.spec?.accessModes ?? []).includes(m)) return false;
  return true;
}

function pvFitsNode(pv: PersistentVolume, ni: NodeInfo): boolean {
  const req = pv.spec?.nodeAffinity?.required;
  return !req || nodeSelectorMatches(req, ni.node!);
}

export function volumeBinding(_args: unknown, h: Handle): Plugin {
  const l = () => h.listers!;
  return {
    name: 'VolumeBinding',
    preFilter(state: CycleState, pod: Pod) {
      const claims = (pod.spec.volumes ?? []).filter((v) => v.persistentVolumeClaim?.claimName);
      if (!claims.length || !h.listers) return { status: SKIP };
      const ns = pod.metadata?.namespace ?? '';
      const s: State = { bound: [], delayed: [], chosen: new Map() };
      let unboundImmediate = false;
      for (const v of claims) {
        const name = v.persistentVolumeClaim!.claimName;
        const pvc = l().pvcs.get(ns, name);
        if (!pvc) return { status: Status.unresolvable(`persistentvolumeclaim "${name}" not found`) };
        if (pvc.metadata?.deletionTimestamp) return { status: Status.unresolvable(`persistentvolumeclaim "${name}" is being deleted`) };
        if (pvc.spec?.volumeName) {
          s.bound.push({ pvc, pv: l().pvs.get(pvc.spec.volumeName) });
          continue;
        }
        const scName = pvc.spec?.storageClassName ?? '';
        const sc = scName ? l().storageClasses.get(scName) : undefined;
        if (sc?.volumeBindingMode === 'WaitForFirstConsumer') s.delayed.push(pvc);
        else unboundImmediate = true;
      }
      if (unboundImmediate) return { status: Status.unresolvable(ErrUnboundImmediate) };
      state.write(stateKey, s);
      return { status: null };
    },
    filter(state, _pod, ni) {
      const s = state.read<State>(stateKey);
      if (!s) return null;
      for (const b of s.bound) {
        if (!b.pv) return Status.unresolvable(ErrReasonPVNotExist);
        if (!pvFitsNode(b.pv, ni)) return Status.unresolvable(ErrReasonNodeConflict);
      }
      if (s.delayed.length) {
        const chosen: (PersistentVolume | undefined)[] = [];
        const taken = new Set<string>();
        for (const pvc of s.delayed) {
          const pv = l()
            .pvs.list()
            .find((p) => !taken.has(p.metadata!.name!) && pvMatchesClaim(p, pvc) && pvFitsNode(p, ni));
          if (pv) {
            taken.add(pv.metadata!.name!);
            chosen.push(pv);
            continue;
          }
          const sc = l().storageClasses.get(pvc.spec?.storageClassName ?? '');
          if (!sc?.provisioner || sc.provisioner === 'kubernetes.io/no-provisioner') return Status.unresolvable(ErrReasonBindConflict);
          chosen.push(undefined);
        }
        s.chosen.set(ni.name, chosen);
      }
      return null;
    },
    async preBind(state, pod, nodeName) {
      const s = state.read<State>(stateKey);
      if (!s?.delayed.length) return null;
      const chosen = s.chosen.get(nodeName) ?? [];
      try {
        for (const [i, pvc] of s.delayed.entries()) {
          const pv = chosen[i];
          if (pv) {
            await h.client!.patch({ group: '', version: 'v1', resource: 'persistentvolumes', name: pv.metadata!.name }, 'merge', {
              spec: { claimRef: { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: pvc.metadata!.namespace, name: pvc.metadata!.name, uid: pvc.metadata!.uid } },
            });
          } else {
            await h.client!.patch({ group: '', version: 'v1', resource: 'persistentvolumeclaims', namespace: pvc.metadata!.namespace, name: pvc.metadata!.name }, 'merge', {
              metadata: { annotations: { 'volume.kubernetes.io/selected-node': nodeName } },
            });
          }
        }
      } catch (err) {
        return Status.error(err);
      }
      void pod;
      return null;
    },
    eventsToRegister: () => [
      { event: { resource: 'PersistentVolumeClaim', actionType: ActionType.Add | ActionType.Update } },
      { event: { resource: 'PersistentVolume', actionType: ActionType.Add | ActionType.Update } },
      { event: { resource: 'StorageClass', actionType: ActionType.Add | ActionType.Update } },
      { event: { resource: 'Node', actionType: ActionType.Add | ActionType.UpdateNodeLabel | ActionType.UpdateNodeTaint } },
    ],
  };
}
