// Kubernetes' CEL strings extension beyond what the evaluator has built in (it already has
// indexOf, lastIndexOf, lowerAscii, upperAscii, trim, split, substring, join, matches):
// charAt, replace, reverse and format (strings.quote needs namespaced
// functions, which the evaluator's parser does not have).
import type { Environment } from '@marcbachmann/cel-js';
import { int, listOf } from './values.js';

/** Go's strings.Replace: at most limit replacements (all when negative); "" matches before each rune and at the end. */
function replace(s: string, from: string, to: string, limit: number): string {
  if (limit === 0) return s;
  if (from === '') {
    const chars = [...s];
    let out = '';
    for (let i = 0, n = 0; i <= chars.length; i++) {
      if (limit < 0 || n < limit) { out += to; n++; }
      if (i < chars.length) out += chars[i];
    }
    return out;
  }
  let out = '';
  let rest = s;
  for (let n = 0; limit < 0 || n < limit; n++) {
    const i = rest.indexOf(from);
    if (i < 0) break;
    out += rest.slice(0, i) + to;
    rest = rest.slice(i + from.length);
  }
  return out + rest;
}

function display(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (typeof v === 'number') return Number.isInteger(v) ? v.toFixed(0) : String(v);
  if (v === null) return 'null';
  if (v instanceof Date) return v.toISOString().replace('.000Z', 'Z');
  if (Array.isArray(v)) return `[${v.map(display).join(', ')}]`;
  if (v instanceof Uint8Array) return new TextDecoder().decode(v);
  if (typeof v === 'object') {
    const entries = v instanceof Map ? [...v.entries()] : Object.entries(v as object);
    if (entries.length === 0 || v instanceof Map || Object.getPrototypeOf(v) === Object.prototype) {
      return `{${entries.map(([k, x]) => `${display(k)}: ${display(x)}`).join(', ')}}`;
    }
  }
  return String(v);
}

/** The strings extension's format(): %s %d %f %e %x %X %o %b %%, with an optional .N precision. */
export function formatString(fmt: string, args: unknown[]): string {
  let i = 0;
  return fmt.replace(/%(?:\.(\d+))?([sdfexXob%])/g, (_m, prec: string | undefined, verb: string) => {
    if (verb === '%') return '%';
    if (i >= args.length) throw new Error(`index ${i} out of range`);
    const a = args[i++];
    const p = prec === undefined ? undefined : Number(prec);
    switch (verb) {
      case 's': return display(a);
      case 'd':
        if (typeof a !== 'bigint' && !(typeof a === 'number' && Number.isInteger(a))) throw new Error('error during formatting: decimal clause can only be used on integers');
        return String(a);
      case 'f': return Number(a).toFixed(p ?? 6);
      case 'e': return Number(a).toExponential(p ?? 6).replace(/e([+-])(\d)$/, 'e$10$2');
      case 'x': case 'X': {
        const s = typeof a === 'string' ? Buffer.from(a).toString('hex') : a instanceof Uint8Array ? Buffer.from(a).toString('hex') : BigInt(a as bigint).toString(16);
        return verb === 'X' ? s.toUpperCase() : s;
      }
      case 'o': return BigInt(a as bigint).toString(8);
      case 'b': return typeof a === 'boolean' ? String(a) : BigInt(a as bigint).toString(2);
    }
    return '';
  });
}

export function registerStrings(env: Environment): void {
  env.registerFunction('string.charAt(int): string', (s: string, i: bigint) => {
    const n = int(i);
    const chars = [...s];
    if (n < 0 || n > chars.length) throw new Error(`index out of range: ${n}`);
    return chars[n] ?? '';
  });
  env.registerFunction('string.replace(string, string): string', (s: string, a: string, b: string) => replace(s, a, b, -1));
  env.registerFunction('string.replace(string, string, int): string', (s: string, a: string, b: string, n: bigint) => replace(s, a, b, int(n)));
  env.registerFunction('string.reverse(): string', (s: string) => [...s].reverse().join(''));
  env.registerFunction('string.format(list<dyn>): string', (f: string, args: unknown) => formatString(f, listOf(args)));
}
