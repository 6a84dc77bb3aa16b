// CEL (Common Expression Language) as Kubernetes uses it: x-kubernetes-validations rules of
// CRDs, ValidatingAdmissionPolicy validations and matchConditions of admission webhooks.
// Contract only for now (the implementation lands with admission webhooks, issue 6): compile
// once, evaluate many times; compile errors and evaluation errors carry upstream-like messages.

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

/** Parse and check an expression. Throws CelCompileError with a message naming the problem. */
export function compileCel(expression: string, _opts: CelCompileOptions = {}): CelProgram {
  throw new CelCompileError(`CEL is not implemented yet: ${expression}`);
}
