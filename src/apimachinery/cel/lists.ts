// Kubernetes' CEL lists library (isSorted, sum, min, max, indexOf, lastIndexOf) and cel-go's
// lists extension slice/flatten/reverse/distinct.
import type { Environment } from '@marcbachmann/cel-js';
import { int, listOf } from './values.js';

/** CEL ordering of two comparable values of one kind (ints, doubles, strings, bools, timestamps, durations). */
export function compareCel(a: unknown, b: unknown): number {
  if ((typeof a === 'bigint' || typeof a === 'number') && (typeof b === 'bigint' || typeof b === 'number')) {
    if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
    return Number(a) < Number(b) ? -1 : Number(a) > Number(b) ? 1 : 0;
  }
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  if (a instanceof Date && b instanceof Date) return a.getTime() - b.getTime();
  const ca = a as { cmp?: (o: unknown) => unknown };
  if (ca && typeof ca.cmp === "function") return Number(ca.cmp(b));
  throw new Error(`no such overload: comparison of ${typeName(a)} and ${typeName(b)}`);
}

function typeName(v: unknown): string {
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'number') return 'double';
  if (Array.isArray(v)) return 'list';
  if (v === null) return 'null_type';
  return typeof v === 'object' ? 'map' : typeof v;
}

function equalCel(a: unknown, b: unknown): boolean {
  if ((typeof a === 'bigint' || typeof a === 'number') && (typeof b === 'bigint' || typeof b === 'number')) return Number(a) === Number(b);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equalCel(x, b[i]));
  if (a && b && typeof a === 'object' && typeof b === 'object' && !(a instanceof Date) && !(b instanceof Date)) {
    const ka = Object.keys(a as object), kb = Object.keys(b as object);
    return ka.length === kb.length && ka.every((k) => k in (b as object) && equalCel((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  return a === b;
}

function extreme(l: unknown, sign: number, name: string): unknown {
  const xs = listOf(l);
  if (xs.length === 0) throw new Error(`${name} called on empty list`);
  return xs.reduce((m, x) => (compareCel(x, m) * sign > 0 ? x : m));
}

export function registerLists(env: Environment): void {
  env.registerFunction('list.isSorted(): bool', (l: unknown) => {
    const xs = listOf(l);
    for (let i = 1; i < xs.length; i++) if (compareCel(xs[i - 1], xs[i]) > 0) return false;
    return true;
  });
  env.registerFunction('list.sum(): dyn', (l: unknown) => {
    const xs = listOf(l);
    if (xs.length === 0) return 0n;
    return xs.reduce((a, b) => {
      if (typeof a === 'bigint' && typeof b === 'bigint') return a + b;
      if (typeof a === 'number' && typeof b === 'number') return a + b;
      const qa = a as { add?: (o: unknown) => unknown };
      if (qa && typeof qa.add === 'function') return qa.add(b);
      throw new Error(`no such overload: sum of ${typeName(a)} and ${typeName(b)}`);
    });
  });
  env.registerFunction('list.min(): dyn', (l: unknown) => extreme(l, -1, 'min'));
  env.registerFunction('list.max(): dyn', (l: unknown) => extreme(l, 1, 'max'));
  env.registerFunction('list.indexOf(dyn): int', (l: unknown, v: unknown) => BigInt(listOf(l).findIndex((x) => equalCel(x, v))));
  env.registerFunction('list.lastIndexOf(dyn): int', (l: unknown, v: unknown) => {
    const xs = listOf(l);
    for (let i = xs.length - 1; i >= 0; i--) if (equalCel(xs[i], v)) return BigInt(i);
    return -1n;
  });
  env.registerFunction('list.slice(int, int): list', (l: unknown, a: bigint, b: bigint) => {
    const xs = listOf(l);
    const s = int(a), e = int(b);
    if (s < 0 || e < 0) throw new Error(`cannot slice(${s}, ${e}), negative indexes not supported`);
    if (s > e) throw new Error(`cannot slice(${s}, ${e}), start index must be less than or equal to end index`);
    if (e > xs.length) throw new Error(`cannot slice(${s}, ${e}), list is length ${xs.length}`);
    return xs.slice(s, e);
  });
  env.registerFunction('list.flatten(): list', (l: unknown) => listOf(l).flatMap((x) => (Array.isArray(x) ? x : [x])));
  env.registerFunction('list.reverse(): list', (l: unknown) => [...listOf(l)].reverse());
  env.registerFunction('list.distinct(): list', (l: unknown) => {
    const out: unknown[] = [];
    for (const x of listOf(l)) if (!out.some((y) => equalCel(x, y))) out.push(x);
    return out;
  });
}
