// Server-side apply and managedFields: field paths and sets, FieldsV1, the typed walk and
// merge, conflicts, and the field manager the API server's write path calls.

export { FieldSet, pathString, comparePathElements } from './fieldpath.js';
export type { Path, PathElement } from './fieldpath.js';
export { encodeFieldsV1, decodeFieldsV1, FieldsV1Error } from './fieldsv1.js';
export { DEDUCED, nodeFromTypedSchema, nodeFromPatchMeta } from './typenode.js';
export type { TypeNode } from './typenode.js';
export { toFieldSet, compare } from './walk.js';
export { mergeValue, removeFields } from './merge.js';
export { conflictError } from './conflicts.js';
export { decodeManaged, encodeManaged } from './managed.js';
export { trackUpdate, applyConfig, LAST_APPLIED_ANNOTATION, BEFORE_FIRST_APPLY } from './manager.js';
export type { FieldManagerScope, ApplyOptions } from './manager.js';
export { managerFromUserAgent } from './useragent.js';
