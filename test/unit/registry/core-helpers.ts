// Test helpers for the core/v1 registry tests: run a ResourceDef's create / update
// pipeline (defaults, strategy hooks, validation) and render the errors as upstream's
// "field: message" strings.

import { fieldErrorMessage } from '../../../src/apimachinery/errors.js';
import type { KObject, ResourceDef } from '../../../src/apiserver/registry/types.js';

export function create(def: ResourceDef, obj: KObject): { obj: KObject; errors: string[] } {
  const o = JSON.parse(JSON.stringify(obj));
  def.defaults?.(o);
  def.prepareForCreate?.(o);
  const errs = def.validate?.(o, { operation: 'create', subresource: '' }) ?? [];
  return { obj: o, errors: errs.map(fieldErrorMessage) };
}

export function update(def: ResourceDef, obj: KObject, old: KObject, subresource = ''): { obj: KObject; errors: string[] } {
  const o = JSON.parse(JSON.stringify(obj));
  def.defaults?.(o);
  if (subresource === 'status') def.prepareForStatusUpdate?.(o, old);
  else def.prepareForUpdate?.(o, old);
  const ctx = { operation: 'update' as const, subresource };
  const errs = [...(def.validate?.(o, ctx) ?? []), ...(def.validateUpdate?.(o, old, ctx) ?? [])];
  return { obj: o, errors: errs.map(fieldErrorMessage) };
}

/** A fixed "now" and timestamps relative to it. */
export const NOW = Date.parse('2024-06-01T12:00:00Z');
export function ago(seconds: number): string {
  return new Date(NOW - seconds * 1000).toISOString().replace('.000Z', 'Z');
}

export function cells(def: ResourceDef, obj: KObject): unknown[] {
  return def.table!.cells(obj, NOW);
}

/** Column headers as kubectl prints them (upper case), default columns only unless wide. */
export function headers(def: ResourceDef, wide = false): string[] {
  return def.table!.columns.filter((c) => wide || c.priority === 0).map((c) => c.name.toUpperCase());
}
