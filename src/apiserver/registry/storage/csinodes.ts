// storage.k8s.io/v1 CSINode: validation (node-name names, drivers: names, node IDs,
// topology keys, allocatable count; existing driver entries immutable) and the Table
// columns (NAME DRIVERS AGE).

import { fieldErr, type FieldError } from '../../../apimachinery/errors.js';
import { isQualifiedName } from '../../../apimachinery/validation.js';
import { ageCol, ageOf, arr, col, nameCol, semanticEqual } from '../groups-common.js';
import type { ResourceDef } from '../types.js';
import { validateCSIDriverName } from './csidrivers.js';

const MaxNodeIDLength = 192;

export const csiNodeDef: ResourceDef = {
  group: 'storage.k8s.io',
  version: 'v1',
  kind: 'CSINode',
  plural: 'csinodes',
  singular: 'csinode',
  namespaced: false,
  storageResource: 'csinodes',
  validate(obj) {
    const errs: FieldError[] = [];
    const names = new Set<string>();
    arr(obj.spec?.drivers).forEach((d: any, i) => {
      const p = `spec.drivers[${i}]`;
      const name = String(d?.name ?? '');
      errs.push(...validateCSIDriverName(name, `${p}.name`));
      const nodeID = String(d?.nodeID ?? '');
      if (nodeID.length === 0) errs.push(fieldErr.required(`${p}.nodeID`, nodeID));
      else if (nodeID.length > MaxNodeIDLength) errs.push(fieldErr.invalid(`${p}.nodeID`, nodeID, `must be ${MaxNodeIDLength} characters or less`));
      const keys = new Set<string>();
      arr<string>(d?.topologyKeys).forEach((k, j) => {
        const kp = `${p}.topologyKeys[${j}]`;
        if (!k) errs.push(fieldErr.required(kp, k ?? ''));
        else for (const m of isQualifiedName(k)) errs.push(fieldErr.invalid(kp, k, m));
        if (keys.has(k)) errs.push(fieldErr.duplicate(kp, k));
        keys.add(k);
      });
      if (typeof d?.allocatable?.count === 'number' && d.allocatable.count < 0) {
        errs.push(fieldErr.invalid(`${p}.allocatable.count`, d.allocatable.count, 'must be greater than or equal to 0'));
      }
      if (names.has(name)) errs.push(fieldErr.duplicate(`${p}.name`, name));
      names.add(name);
    });
    return errs;
  },
  validateUpdate(obj, old) {
    const errs: FieldError[] = [];
    const next = new Map(arr(obj.spec?.drivers).map((d: any) => [String(d?.name ?? ''), d]));
    for (const od of arr(old.spec?.drivers)) {
      const nd = next.get(String((od as any)?.name ?? ''));
      if (nd && !semanticEqual(nd, od)) errs.push(fieldErr.invalid('Drivers', nd, 'field is immutable'));
    }
    return errs;
  },
  table: {
    columns: [nameCol(), col('Drivers', 'integer', 'Drivers indicates the number of CSI drivers registered on the node'), ageCol()],
    cells(obj, now) {
      return [obj.metadata?.name ?? '', arr(obj.spec?.drivers).length, ageOf(obj, now)];
    },
  },
};
