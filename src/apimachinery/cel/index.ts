// CEL (Common Expression Language) as Kubernetes uses it: x-kubernetes-validations rules of
// CRDs, ValidatingAdmissionPolicy validations and matchConditions of admission webhooks.
// Compile once, evaluate many times, on @marcbachmann/cel-js with Kubernetes' libraries
// (strings, lists, regex, url, quantity, ip/cidr; optionals; timestamps and durations built in).
// Variables are JSON values (see values.ts); compile and evaluation errors carry cel-go-like
// messages ("undeclared reference to 'x' (in container '')", "no such key: y").
import { Environment } from '@marcbachmann/cel-js';
import { fromCel, toCel } from './values.js';
import { registerStrings } from './strings.js';
import { registerLists } from './lists.js';
import { registerRegex } from './regex.js';
import { registerURL } from './url.js';
import { registerQuantity } from './quantity.js';
import { registerIP } from './ip.js';

export { toCel, fromCel } from './values.js';

export class CelCompileError extends Error {}
export class CelEvalError extends Error {}

export interface CelProgram {
  /** The source expression. */
  readonly expression: string;
  /** Evaluate with the given top-level variables (self, oldSelf, object, request, params, ...). Throws CelEvalError. */
  eval(vars: Record<string, unknown>): unknown;
}

export interface CelCompileOptions {
  /** The names of the variables the expression may use (an unknown name is a compile error). */
  variables?: string[];
}

let base: Environment | undefined;
const envs = new Map<string, Environment>();

function baseEnv(): Environment {
  if (!base) {
    const env = new Environment({ homogeneousAggregateLiterals: false, enableOptionalTypes: true, limits: { maxAstNodes: 10000, maxDepth: 100 } });
    registerStrings(env);
    registerLists(env);
    registerRegex(env);
    registerURL(env);
    registerQuantity(env);
    registerIP(env);
    base = env;
  }
  return base;
}

function envFor(variables: string[]): Environment {
  const key = [...new Set(variables)].sort().join(',');
  let env = envs.get(key);
  if (!env) {
    env = baseEnv().clone();
    for (const v of key ? key.split(',') : []) env.registerVariable(v, 'dyn');
    envs.set(key, env);
  }
  return env;
}

/** cel-go's wording for the evaluator's messages. */
function celGoMessage(msg: string): string {
  const first = msg.split('\n')[0]!;
  let m = /^Unknown variable: (.*)$/.exec(first);
  if (m) return `undeclared reference to '${m[1]}' (in container '')`;
  m = /^No such key: index out of bounds, index (-?\d+) >= size (\d+)$/.exec(first);
  if (m) return `index '${m[1]}' out of range in list size '${m[2]}'`;
  m = /^No such key: (.*)$/.exec(first);
  if (m) return `no such key: ${m[1]}`;
  m = /^found no matching overload for '(?:[\w<>]+\.)?(\w+)\((.*)\)'$/.exec(first);
  if (m) return `found no matching overload for '${m[1]}' applied to '(${m[2]})'`;
  return first;
}

function position(expr: string, offset: number | undefined): string {
  if (offset === undefined || offset < 0) return '';
  const before = expr.slice(0, offset).split('\n');
  return `${before.length}:${before[before.length - 1]!.length + 1}: `;
}

function compileMessage(expr: string, e: { message: string; range?: { start: number } }): string {
  const msg = celGoMessage(e.message);
  const pos = position(expr, e.range?.start);
  return `ERROR: <input>:${pos || '1:1: '}${/^Unexpected|^Expected|^Invalid|^Unterminated/.test(msg) ? `Syntax error: ${msg}` : msg}`;
}

/** Parse and check an expression. Throws CelCompileError with a message naming the problem. */
export function compileCel(expression: string, opts: CelCompileOptions = {}): CelProgram {
  const env = envFor(opts.variables ?? []);
  let run: (ctx: Record<string, unknown>) => unknown;
  try {
    const parsed = env.parse(expression);
    const checked = parsed.check();
    if (!checked.valid) throw checked.error;
    run = parsed as unknown as (ctx: Record<string, unknown>) => unknown;
  } catch (e) {
    throw new CelCompileError(compileMessage(expression, e as { message: string; range?: { start: number } }));
  }
  return {
    expression,
    eval(vars: Record<string, unknown>): unknown {
      const ctx: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(vars)) ctx[k] = toCel(v);
      let out: unknown;
      try {
        out = run(ctx);
      } catch (e) {
        throw new CelEvalError(celGoMessage((e as Error).message));
      }
      if (out instanceof Promise) throw new CelEvalError('asynchronous evaluation is not supported');
      return fromCel(out);
    },
  };
}

const compiled = new Map<string, CelProgram | CelCompileError>();

/**
 * compileCel with a bounded cache keyed by variables and expression (admission evaluates the
 * same expressions on every request); a compile error is cached and thrown again.
 */
export function compileCelCached(expression: string, variables: string[]): CelProgram {
  const key = `${variables.join(',')}\n${expression}`;
  let p = compiled.get(key);
  if (!p) {
    try {
      p = compileCel(expression, { variables });
    } catch (e) {
      if (!(e instanceof CelCompileError)) throw e;
      p = e;
    }
    if (compiled.size > 5000) compiled.clear();
    compiled.set(key, p);
  }
  if (p instanceof CelCompileError) throw p;
  return p;
}
