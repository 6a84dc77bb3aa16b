// The API types controllers work with, from kubernetes-types (type-only: nothing at run time).

export type { Pod, PodSpec, PodTemplateSpec, PodCondition, PodStatus, Node, Namespace, Service, Endpoints, ConfigMap, Secret, ServiceAccount, PersistentVolumeClaim, ReplicationController, ResourceQuota, LimitRange, Event } from 'kubernetes-types/core/v1.js';
export type { Deployment, ReplicaSet, StatefulSet, DaemonSet, ControllerRevision } from 'kubernetes-types/apps/v1.js';
export type { Job, CronJob } from 'kubernetes-types/batch/v1.js';
export type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
export type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
export type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
export type { HorizontalPodAutoscaler } from 'kubernetes-types/autoscaling/v2.js';
export type { Lease } from 'kubernetes-types/coordination/v1.js';
export type { OwnerReference, ObjectMeta, LabelSelector } from 'kubernetes-types/meta/v1.js';
