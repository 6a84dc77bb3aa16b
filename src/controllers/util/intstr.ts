// IntOrString values (k8s.io/apimachinery/pkg/util/intstr) as controllers read them:
// maxSurge/maxUnavailable of Deployments and DaemonSets, PDB minAvailable/maxUnavailable.

export type IntOrString = number | string;

/**
 * intstr.GetScaledValueFromIntOrPercent: an int as is, "N%" of total rounded up or down; other
 * strings are refused with upstream's message (k8ts also accepts a plain decimal string).
 */
export function scaledValue(v: IntOrString | undefined | null, total: number, roundUp: boolean): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') return v;
  const m = /^(-?\d+)%$/.exec(v);
  if (!m) {
    if (/^-?\d+$/.test(v)) return Number(v);
    throw new Error(`invalid value for IntOrString: invalid type: string is not a percentage`);
  }
  const x = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}
