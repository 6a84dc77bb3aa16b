// The values of --endpoint-reconciler-type (upstream's reconcilers.AllTypes).

export type EndpointReconcilerType = 'lease' | 'master-count' | 'none';
export const ENDPOINT_RECONCILER_TYPES: EndpointReconcilerType[] = ['master-count', 'lease', 'none'];
