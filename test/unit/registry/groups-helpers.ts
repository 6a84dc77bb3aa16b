// Test helpers for the named-group resource declarations: run a ResourceDef's create and
// update strategy the way the generic write path does (defaults, prepare hook, validation), and render field errors.

import { randomUUID } from 'node:crypto';
import { fieldErrorMessage, type FieldError } from '../../../src/apimachinery/errors.js';
import type { KObject, ResourceDef } from '../../../src/apiserver/registry/types.js';

export function created(def: ResourceDef, obj: KObject, ts = '2024-01-01T00:00:00Z'): { obj: KObject; errs: string[] } {
  const o = structuredClone(obj);
  o.metadata ??= {};
  o.metadata.uid ??= randomUUID();
  o.metadata.creationTimestamp = ts;
  if (def.generation) o.metadata.generation = 1;
  def.defaults?.(o);
  def.prepareForCreate?.(o);
  const errs = def.validate?.(o, { operation: 'create', subresource: '' }) ?? [];
  return { obj: o, errs: errs.map(fieldErrorMessage) };
}

export function updated(def: ResourceDef, obj: KObject, old: KObject, subresource = ''): { obj: KObject; errs: string[] } {
  const o = structuredClone(obj);
  def.defaults?.(o);
  if (subresource === 'status') def.prepareForStatusUpdate?.(o, old);
  else if (subresource === '') def.prepareForUpdate?.(o, old);
  const ctx = { operation: 'update' as const, subresource };
  const errs: FieldError[] = [...(def.validate?.(o, ctx) ?? []), ...(def.validateUpdate?.(o, old, ctx) ?? [])];
  return { obj: o, errs: errs.map(fieldErrorMessage) };
}

export function row(def: ResourceDef, obj: KObject, now: number): Record<string, unknown> {
  const cells = def.table!.cells(obj, now);
  const out: Record<string, unknown> = {};
  def.table!.columns.forEach((c, i) => (out[c.name] = cells[i]));
  return out;
}
