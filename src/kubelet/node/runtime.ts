// The part of the CRI client the node side uses (Version, Status, ListImages,
// UpdateRuntimeConfig), so node status can be built and tested against any object that
// answers these calls.
import type { CriClient } from '../../cri/client.js';

export type NodeRuntime = Pick<CriClient, 'version' | 'status' | 'listImages' | 'updateRuntimeConfig'>;
