// The ResourceDef of one served version of a CRD: what the generic handlers need to serve its
// custom resources — accepted names, scope, storage key `<group>/<plural>` (as upstream lays
// it out), pruning, defaulting (on writes and on reads from storage), schema and CEL
// validation, status/scale subresources, printer columns, selectable fields, and the
// conversion (strategy None: only apiVersion changes) between served and stored versions.

import { StatusError } from '../../apimachinery/errors.js';
import type { Schema } from '../../apimachinery/schema/types.js';
import type { KObject, ResourceDef } from '../registry/types.js';
import { validateRules } from './cel.js';
import { lookupPath, parseSimpleJSONPath, printerTable } from './printer.js';
import { applyDefaults, hasDefaults, pruneObject } from './prune.js';
import { validateCustomResource } from './validate.js';

export interface CRDefInput {
  crd: KObject;
  version: KObject;
  /** status.acceptedNames */
  names: { plural: string; singular?: string; kind: string; listKind?: string; shortNames?: string[]; categories?: string[] };
  /** Whether the CRD is being deleted right now (creates are refused then). */
  terminating(): boolean;
}

const stripDot = (p: string) => p.replace(/^\./, '');

export function customResourceDef(input: CRDefInput): ResourceDef {
  const { crd, version, names } = input;
  const group: string = crd.spec.group;
  const schema: Schema | undefined = version.schema?.openAPIV3Schema;
  const storageVersion: string = (crd.spec.versions ?? []).find((v: KObject) => v.storage)?.name ?? version.name;
  const storageGV = `${group}/${storageVersion}`;
  const servedGV = `${group}/${version.name}`;
  const webhook = crd.spec.conversion?.strategy === 'Webhook';
  const subresources: ResourceDef['subresources'] = {};
  const statusSub = !!version.subresources?.status;
  if (statusSub) subresources.status = true;
  const scale = version.subresources?.scale;
  if (scale) {
    subresources.scale = {
      specReplicasPath: stripDot(scale.specReplicasPath),
      statusReplicasPath: stripDot(scale.statusReplicasPath),
      labelSelectorPath: scale.labelSelectorPath ? stripDot(scale.labelSelectorPath) : undefined,
      // upstream: the selector is read from labelSelectorPath as a string, or empty
      selector: (obj) => {
        if (!scale.labelSelectorPath) return '';
        const v = lookupPath(obj, parseSimpleJSONPath(scale.labelSelectorPath) ?? []);
        return typeof v === 'string' ? v : '';
      },
    };
  }
  const defaults = hasDefaults(schema);
  const preserveRoot = !!schema?.['x-kubernetes-preserve-unknown-fields'];
  const convert = (obj: KObject, to: string): KObject => {
    if (webhook && typeof obj.apiVersion === 'string' && obj.apiVersion !== to) {
      throw new StatusError(500, 'InternalError', `conversion webhook for ${obj.apiVersion}, Kind=${names.kind} failed: conversion webhooks are not supported by this server (k8ts); only strategy None converts between versions`, {});
    }
    obj.apiVersion = to;
    return obj;
  };
  const selectable: { path: string; steps: (string | number)[] }[] = (version.selectableFields ?? [])
    .map((f: KObject) => ({ path: stripDot(String(f.jsonPath ?? '')), steps: parseSimpleJSONPath(String(f.jsonPath ?? '')) ?? [] }))
    .filter((f: { steps: unknown[] }) => f.steps.length);

  const def: ResourceDef = {
    group,
    version: version.name,
    kind: names.kind,
    plural: names.plural,
    singular: names.singular || names.kind.toLowerCase(),
    namespaced: crd.spec.scope === 'Namespaced',
    shortNames: names.shortNames?.length ? [...names.shortNames] : undefined,
    categories: names.categories?.length ? [...names.categories] : undefined,
    subresources,
    storageResource: `${group}/${names.plural}`,
    generation: true,
    schema,
    table: printerTable(version.additionalPrinterColumns),
    defaults: defaults ? (obj) => applyDefaults(obj, schema) : undefined,
    pruneUnknown: (obj) => (preserveRoot ? pruneMetaOnly(obj) : pruneObject(obj, schema)),
    prepareForCreate(obj) {
      if (input.terminating()) {
        throw new StatusError(405, 'MethodNotAllowed', 'create not allowed while custom resource definition is terminating', {});
      }
      if (statusSub) delete obj.status;
    },
    prepareForUpdate(obj, old) {
      if (!statusSub) {
        // without a status subresource, status is part of what bumps the generation
        if (JSON.stringify(obj.status) !== JSON.stringify(old.status)) obj.metadata.generation = (old.metadata?.generation ?? 0) + 1;
        return;
      }
      if (old.status === undefined) delete obj.status;
      else obj.status = structuredClone(old.status);
    },
    validate(obj, ctx) {
      const errs = validateCustomResource(obj, schema);
      if (ctx.operation === 'create') errs.push(...validateRules(obj, undefined, schema));
      return errs;
    },
    validateUpdate(obj, old) {
      return validateRules(obj, old, schema);
    },
    selectableFields: selectable.length
      ? (obj) => {
          const out: Record<string, string> = {};
          for (const f of selectable) {
            const v = lookupPath(obj, f.steps);
            out[f.path] = v === undefined || v === null ? '' : String(v);
          }
          return out;
        }
      : undefined,
  };
  if (servedGV !== storageGV) {
    def.toStorage = (obj) => convert(obj, storageGV);
  }
  if (servedGV !== storageGV || defaults) {
    def.fromStorage = (obj) => {
      convert(obj, servedGV);
      if (defaults) applyDefaults(obj, schema);
      return obj;
    };
  }
  return def;
}

function pruneMetaOnly(obj: KObject): string[] {
  return pruneObject(obj, { type: 'object', 'x-kubernetes-preserve-unknown-fields': true });
}
