// Built-in definitions that neither kubernetes-types nor the protobuf wire table carries: the
// kube-aggregator's apiregistration.k8s.io/v1 APIService (served by the API server itself, as
// upstream's kube-apiserver embeds the aggregator). Written in the model's v3 form.

import type { Schema } from '../../apimachinery/schema/types.js';
import { N, refOf } from './names.js';

const P = 'io.k8s.kube-aggregator.pkg.apis.apiregistration.v1';
const str = (description: string): Schema => ({ description, type: 'string' });
const int32 = (description: string, dflt?: number): Schema => ({ description, type: 'integer', format: 'int32', ...(dflt === undefined ? {} : { default: dflt }) });
const ref = (name: string, description?: string, struct = false): Schema =>
  description || struct ? { allOf: [{ $ref: refOf(name) }], ...(struct ? { default: {} } : {}), ...(description ? { description } : {}) } : { $ref: refOf(name) };
const TYPE_META = {
  apiVersion: str('APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources'),
  kind: str('Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds'),
};
const gvk = (kind: string) => [{ group: 'apiregistration.k8s.io', version: 'v1', kind }];

/** The extra definitions by name, with the kinds among them ('group/version/Kind' -> name). */
export function extraDefinitions(): { schemas: Record<string, Schema>; kinds: Record<string, string> } {
  const schemas: Record<string, Schema> = {
    [`${P}.APIService`]: {
      description: 'APIService represents a server for a particular GroupVersion. Name must be "version.group".',
      type: 'object',
      properties: {
        ...TYPE_META,
        metadata: ref(N.objectMeta, "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata", true),
        spec: ref(`${P}.APIServiceSpec`, 'Spec contains information for locating and communicating with a server', true),
        status: ref(`${P}.APIServiceStatus`, 'Status contains derived information about an API server', true),
      },
      'x-kubernetes-group-version-kind': gvk('APIService'),
    },
    [`${P}.APIServiceList`]: {
      description: 'APIServiceList is a list of APIService objects.',
      type: 'object',
      required: ['items'],
      properties: {
        ...TYPE_META,
        items: { description: 'Items is the list of APIService', type: 'array', items: ref(`${P}.APIService`, undefined, true) },
        metadata: ref(N.listMeta, 'Standard list metadata More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata', true),
      },
      'x-kubernetes-group-version-kind': gvk('APIServiceList'),
    },
    [`${P}.APIServiceSpec`]: {
      description: 'APIServiceSpec contains information for locating and communicating with a server. Only https is supported, though you are able to disable certificate verification.',
      type: 'object',
      required: ['groupPriorityMinimum', 'versionPriority'],
      properties: {
        caBundle: { description: "CABundle is a PEM encoded CA bundle which will be used to validate an API server's serving certificate. If unspecified, system trust roots on the apiserver are used.", type: 'string', format: 'byte', 'x-kubernetes-list-type': 'atomic' },
        group: str('Group is the API group name this server hosts'),
        groupPriorityMinimum: int32('GroupPriorityMinimum is the priority this group should have at least. Higher priority means that the group is preferred by clients over lower priority ones.', 0),
        insecureSkipTLSVerify: { description: 'InsecureSkipTLSVerify disables TLS certificate verification when communicating with this server. This is strongly discouraged.  You should use the CABundle instead.', type: 'boolean' },
        service: ref(`${P}.ServiceReference`, 'Service is a reference to the service for this API server.  It must communicate on port 443. If the Service is nil, that means the handling for the API groupversion is handled locally on this server.'),
        version: str('Version is the API version this server hosts.  For example, "v1"'),
        versionPriority: int32('VersionPriority controls the ordering of this API version inside of its group.  Must be greater than zero.', 0),
      },
    },
    [`${P}.ServiceReference`]: {
      description: 'ServiceReference holds a reference to Service.legacy.k8s.io',
      type: 'object',
      properties: {
        name: str('Name is the name of the service'),
        namespace: str('Namespace is the namespace of the service'),
        port: int32('If specified, the port on the service that hosting webhook. Default to 443 for backward compatibility. `port` should be a valid port number (1-65535, inclusive).'),
      },
    },
    [`${P}.APIServiceStatus`]: {
      description: 'APIServiceStatus contains derived information about an API server',
      type: 'object',
      properties: {
        conditions: {
          description: 'Current service state of apiService.',
          type: 'array',
          items: ref(`${P}.APIServiceCondition`, undefined, true),
          'x-kubernetes-list-map-keys': ['type'],
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-patch-merge-key': 'type',
          'x-kubernetes-patch-strategy': 'merge',
        },
      },
    },
    [`${P}.APIServiceCondition`]: {
      description: 'APIServiceCondition describes the state of an APIService at a particular point',
      type: 'object',
      required: ['type', 'status'],
      properties: {
        lastTransitionTime: ref(N.time, 'Last time the condition transitioned from one status to another.'),
        message: str('Human-readable message indicating details about last transition.'),
        reason: str("Unique, one-word, CamelCase reason for the condition's last transition."),
        status: { ...str('Status is the status of the condition. Can be True, False, Unknown.'), default: '' },
        type: { ...str('Type is the type of the condition.'), default: '' },
      },
    },
  };
  return { schemas, kinds: { 'apiregistration.k8s.io/v1/APIService': `${P}.APIService`, 'apiregistration.k8s.io/v1/APIServiceList': `${P}.APIServiceList` } };
}
