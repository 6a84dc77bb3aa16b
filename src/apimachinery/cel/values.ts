// Conversion between JSON values (what objects are in k8ts) and CEL values (what the evaluator
// works on): integral numbers become CEL int (BigInt), other numbers double; results come back
// as JSON-like values (ints as numbers while they are exact, else BigInt).

/** A JSON value (object, list, string, number, bool, null) as a CEL value. */
export function toCel(v: unknown): unknown {
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : v;
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(toCel);
  if (Object.getPrototypeOf(v) !== Object.prototype && Object.getPrototypeOf(v) !== null) return v; // Date, Uint8Array, custom types
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (x !== undefined) out[k] = toCel(x);
  return out;
}

/** A CEL result as a JSON-like value: BigInt → number when exact, Map → object. */
export function fromCel(v: unknown): unknown {
  if (typeof v === 'bigint') return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(fromCel);
  if (v instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of v) out[String(k)] = fromCel(x);
    return out;
  }
  if (Object.getPrototypeOf(v) !== Object.prototype && Object.getPrototypeOf(v) !== null) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = fromCel(x);
  return out;
}

/** CEL int argument as a JS number (indexes, counts). */
export function int(n: unknown): number {
  return typeof n === 'bigint' ? Number(n) : Number(n);
}

/** Elements of a CEL list (array or other iterable). */
export function listOf(l: unknown): unknown[] {
  return Array.isArray(l) ? l : [...(l as Iterable<unknown>)];
}
