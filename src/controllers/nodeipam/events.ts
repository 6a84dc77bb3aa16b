// Node events as upstream's controller/util/node records them (shared by nodeipam and
// nodelifecycle): "Node x status is now: y" and "Node x event: y", about a reference to the
// node (cluster-scoped; the Event lands in "default").

import type { EventRecorder, EventType } from '../../client/index.js';
import { logger } from '../../util/klog.js';
import type { Node } from '../util/types.js';

const log = logger('controller_utils.go');

function nodeRef(name: string, uid: string | undefined) {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, uid } };
}

/** RecordNodeStatusChange: a Normal event whose reason is the new status. */
export function recordNodeStatusChange(recorder: EventRecorder, node: Node, newStatus: string): void {
  const name = node.metadata?.name ?? '';
  log.v(2).info('Recording status change event message for node', { status: newStatus, node: name });
  recorder.event(nodeRef(name, node.metadata?.uid), 'Normal', newStatus, `Node ${name} status is now: ${newStatus}`);
}

/** RecordNodeEvent: "Node <name> event: <event>". */
export function recordNodeEvent(recorder: EventRecorder, name: string, uid: string | undefined, type: EventType, reason: string, event: string): void {
  log.v(2).info('Recording event message for node', { event, node: name });
  recorder.event(nodeRef(name, uid), type, reason, `Node ${name} event: ${event}`);
}
