// additionalPrinterColumns: the server-side Table of a custom resource version. NAME comes
// first, then the CRD's columns (JSONPath cells, typed), or upstream's default AGE column when
// the version declares none. The JSONPath subset is what upstream allows there: a path of
// `.field`, `['field']` and `[index]` steps.

import type { KObject, TableColumn, TableDef } from '../registry/types.js';
import { CREATED_DESC, NAME_DESC } from '../registry/groups-common.js';
import { age } from '../../apimachinery/duration.js';

export interface PrinterColumn {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
  jsonPath: string;
}

export type PathStep = string | number;

/** Parse `.spec.a[0]['b.c']` into steps; undefined when it is not a simple path. */
export function parseSimpleJSONPath(path: string): PathStep[] | undefined {
  let p = path.trim();
  if (p.startsWith('{') && p.endsWith('}')) p = p.slice(1, -1);
  if (!p.startsWith('.') && !p.startsWith('[')) return undefined;
  const steps: PathStep[] = [];
  let i = 0;
  while (i < p.length) {
    if (p[i] === '.') {
      const m = /^\.([A-Za-z0-9_\-/$]+)/.exec(p.slice(i));
      if (!m) return undefined;
      steps.push(m[1]);
      i += m[0].length;
    } else if (p[i] === '[') {
      const m = /^\[(?:(\d+)|'([^']*)'|"([^"]*)")\]/.exec(p.slice(i));
      if (!m) return undefined;
      steps.push(m[1] !== undefined ? Number(m[1]) : (m[2] ?? m[3]));
      i += m[0].length;
    } else return undefined;
  }
  return steps.length ? steps : undefined;
}

export function lookupPath(obj: unknown, steps: PathStep[]): unknown {
  let cur: any = obj;
  for (const s of steps) {
    if (cur === null || cur === undefined) return undefined;
    if (typeof s === 'number') {
      if (!Array.isArray(cur)) return undefined;
      cur = cur[s];
    } else {
      if (typeof cur !== 'object' || Array.isArray(cur)) return undefined;
      cur = cur[s];
    }
  }
  return cur;
}

const AGE_COLUMN: PrinterColumn = { name: 'Age', type: 'date', description: CREATED_DESC, jsonPath: '.metadata.creationTimestamp' };

/** A cell as upstream's convertor yields it for the column's type (dates become ages). */
function cellValue(v: unknown, type: string, now: number): unknown {
  if (v === undefined || v === null) return null;
  switch (type) {
    case 'string':
      if (typeof v === 'string') return v;
      return typeof v === 'object' ? JSON.stringify(v) : String(v);
    case 'integer': return typeof v === 'number' ? Math.trunc(v) : null;
    case 'number': return typeof v === 'number' ? v : null;
    case 'boolean': return typeof v === 'boolean' ? v : null;
    case 'date': {
      if (typeof v !== 'string') return null;
      return Number.isNaN(Date.parse(v)) ? '<invalid>' : age(v, now);
    }
    default: return null;
  }
}

export function printerTable(columns: PrinterColumn[] | undefined): TableDef {
  const cols = columns?.length ? columns : [AGE_COLUMN];
  const parsed = cols.map((c) => parseSimpleJSONPath(c.jsonPath));
  const defs: TableColumn[] = [
    { name: 'Name', type: 'string', format: 'name', description: NAME_DESC, priority: 0 },
    ...cols.map((c) => ({ name: c.name, type: c.type, format: c.format ?? '', description: c.description ?? '', priority: c.priority ?? 0 })),
  ];
  return {
    columns: defs,
    cells(obj: KObject, now: number) {
      return [obj.metadata?.name ?? '', ...cols.map((c, i) => (parsed[i] ? cellValue(lookupPath(obj, parsed[i]!), c.type, now) : null))];
    },
  };
}
