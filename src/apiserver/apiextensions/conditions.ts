// CRD status conditions (NamesAccepted, Established, Terminating): set or replace one,
// keeping lastTransitionTime when the status does not change, as upstream's helpers do.

import type { KObject } from '../registry/types.js';
import { nowTimestamp } from '../../apimachinery/time.js';

export function getCondition(crd: KObject, type: string): KObject | undefined {
  return (crd.status?.conditions ?? []).find((c: KObject) => c?.type === type);
}

export function isConditionTrue(crd: KObject, type: string): boolean {
  return getCondition(crd, type)?.status === 'True';
}

/** Set a condition; returns true when anything changed. */
export function setCondition(crd: KObject, type: string, status: string, reason: string, message: string): boolean {
  const st = (crd.status ??= {});
  const conds: KObject[] = Array.isArray(st.conditions) ? st.conditions : (st.conditions = []);
  const cur = conds.find((c) => c?.type === type);
  if (cur && cur.status === status && cur.reason === reason && cur.message === message) return false;
  const lastTransitionTime = cur && cur.status === status ? cur.lastTransitionTime : nowTimestamp();
  const next = { type, status, lastTransitionTime, reason, message };
  if (cur) conds[conds.indexOf(cur)] = next;
  else conds.push(next);
  return true;
}
