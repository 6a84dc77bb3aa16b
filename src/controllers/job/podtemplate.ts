// The pods a Job creates: its template with the job's controllerRef, the tracking finalizer,
// generateName `<job>-` and, for Indexed jobs, the completion index (annotation, label,
// JOB_COMPLETION_INDEX env var, hostname `<job>-<index>`, generateName `<job>-<index>-`, and
// with backoffLimitPerIndex the index's failure count).

import type { Job, Pod } from '../util/types.js';
import { newControllerRef } from '../util/controllerref.js';
import { podFromTemplate, podNamePrefix } from '../util/podcontrol.js';
import { JobIndexFailureCountAnnotation } from './perindex.js';
import { JobCompletionIndexAnnotation, JobCompletionIndexEnvName, JobCompletionIndexLabel, JobTrackingFinalizer } from './names.js';

export function jobOwnerInfo(job: Job) {
  return { apiVersion: 'batch/v1', kind: 'Job', metadata: job.metadata };
}

/** failureCount: with backoffLimitPerIndex, the index's failures so far (annotated on the pod). */
export function newJobPod(job: Job, index?: number, failureCount?: number): Pod {
  const name = job.metadata!.name!;
  const indexed = index !== undefined && index >= 0;
  const pod = podFromTemplate(job.spec!.template, job.metadata!.namespace!, newControllerRef(jobOwnerInfo(job)), indexed ? podNamePrefix(`${name}-${index}`) : podNamePrefix(name));
  const meta = pod.metadata!;
  meta.finalizers = [...(meta.finalizers ?? []).filter((f) => f !== JobTrackingFinalizer), JobTrackingFinalizer];
  if (indexed) {
    meta.annotations = { ...(meta.annotations ?? {}), [JobCompletionIndexAnnotation]: String(index) };
    meta.labels = { ...(meta.labels ?? {}), [JobCompletionIndexLabel]: String(index) };
    if (failureCount !== undefined) meta.annotations[JobIndexFailureCountAnnotation] = String(failureCount);
    const spec = pod.spec!;
    if (!spec.hostname) spec.hostname = `${name}-${index}`;
    const env = { name: JobCompletionIndexEnvName, valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${JobCompletionIndexAnnotation}']` } } };
    for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
      if ((c.env ?? []).some((e) => e.name === JobCompletionIndexEnvName)) continue;
      c.env = [...(c.env ?? []), env];
    }
  }
  return pod;
}
