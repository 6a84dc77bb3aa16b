// Admission plugin "NamespaceLifecycle" (on by default upstream). Its checks live in the
// write path (src/apiserver/endpoints/write.ts), which runs them before admission:
//  - creating a namespaced object in a namespace that does not exist: 404
//    `namespaces "x" not found`;
//  - creating in a namespace being terminated: 403 `... is forbidden: unable to create new
//    content in namespace x because it is being terminated` (cause NamespaceTerminating);
//  - deleting one of the immortal namespaces below: 403 `namespaces "default" is forbidden:
//    this namespace may not be deleted`.
// This module names the immortal namespaces and gives the chain its (no-op) entry, so the
// server can tell whether the plugin was disabled (`--disable-admission-plugins=
// NamespaceLifecycle`); write.ts does not consult that yet.

import type { Plugin } from './common.js';

/** Upstream's immortal namespaces (lifecycle.immortalNamespaces): never deletable. */
export const IMMORTAL_NAMESPACES: readonly string[] = Object.freeze(['default', 'kube-system', 'kube-public']);

/** The chain entry; the checks themselves are in write.ts. */
export function namespaceLifecyclePlugin(): Plugin {
  return { name: 'NamespaceLifecycle' };
}
