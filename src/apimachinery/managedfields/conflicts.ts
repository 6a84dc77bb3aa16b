// Apply conflicts: fields another manager owns that an apply would change. Answered as
// upstream's 409 Conflict Status with one FieldManagerConflict cause per field and manager.

import { StatusError } from '../errors.js';
import { pathString } from './fieldpath.js';
import type { Path } from './fieldpath.js';
import type { ManagerEntry } from './managed.js';

export interface Conflict {
  entry: ManagerEntry;
  path: Path;
}

/** How upstream names a manager in conflicts: `"name"`, `with subresource "status"`, `using apps/v1`. */
export function printManager(e: ManagerEntry): string {
  let s = JSON.stringify(e.manager);
  if (e.subresource) s += ` with subresource ${JSON.stringify(e.subresource)}`;
  if (e.operation === 'Update') s += ` using ${e.apiVersion}`;
  return s;
}

export function conflictError(conflicts: Conflict[]): StatusError {
  const causes = conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with ${printManager(c.entry)}`, field: pathString(c.path) }));
  let message: string;
  if (conflicts.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${printManager(conflicts[0].entry)}: ${pathString(conflicts[0].path)}`;
  } else {
    const byManager = new Map<string, string[]>();
    for (const c of conflicts) {
      const m = printManager(c.entry);
      let paths = byManager.get(m);
      if (!paths) byManager.set(m, (paths = []));
      paths.push(pathString(c.path));
    }
    const lines: string[] = [];
    for (const m of [...byManager.keys()].sort()) {
      lines.push(`conflicts with ${m}:`);
      for (const p of byManager.get(m)!) lines.push(`- ${p}`);
    }
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return new StatusError(409, 'Conflict', message, { causes });
}
