// Rollback through the deprecated `deprecated.deployment.rollback.to` annotation (upstream
// rollback.go; `kubectl rollout undo` of v1.32 patches the template itself instead): copy the
// template of the ReplicaSet with that revision (0 = the previous one) into the deployment,
// with DeploymentRollback / DeploymentRollbackRevisionNotFound / ...TemplateUnchanged events.

import { logger } from '../../util/klog.js';
import type { Deployment, ReplicaSet } from '../util/types.js';
import { ROLLBACK_DONE, ROLLBACK_REVISION_NOT_FOUND, ROLLBACK_TEMPLATE_UNCHANGED } from './conditions.js';
import { DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY } from './hash.js';
import { equalIgnoreHash } from './replicasets.js';
import { DEPRECATED_ROLLBACK_TO, lastRevision, revisionOf, setDeploymentAnnotationsTo } from './revision.js';
import type { SyncDeps } from './sync.js';
import { getAllReplicaSetsAndSyncRevision, getRollbackTo, objKey, updateDeployment, withDeploymentKind } from './sync.js';

const log = logger('rollback.go');

export async function rollback(s: SyncDeps, d: Deployment, rsList: ReplicaSet[]): Promise<void> {
  const { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(s, d, rsList, true);
  const allRSs = [...oldRSs, ...(newRS ? [newRS] : [])];
  let revision = getRollbackTo(d)!;
  if (revision === 0) {
    revision = lastRevision(allRSs);
    if (revision === 0) {
      s.recorder.event(withDeploymentKind(d), 'Warning', ROLLBACK_REVISION_NOT_FOUND, 'Unable to find last revision.');
      return updateDeploymentAndClearRollbackTo(s, d);
    }
  }
  for (const rs of allRSs) {
    let v: number;
    try {
      v = revisionOf(rs);
    } catch (err) {
      log.v(4).info("Unable to extract revision from deployment's replica set", { replicaSet: objKey(rs), err });
      continue;
    }
    if (v !== revision) continue;
    log.v(4).info('Found replica set with desired revision', { replicaSet: objKey(rs), revision: v });
    if (await rollbackToTemplate(s, d, rs)) {
      s.recorder.event(withDeploymentKind(d), 'Normal', ROLLBACK_DONE, `Rolled back deployment ${JSON.stringify(d.metadata?.name)} to revision ${revision}`);
    }
    return;
  }
  s.recorder.event(withDeploymentKind(d), 'Warning', ROLLBACK_REVISION_NOT_FOUND, 'Unable to find the revision to rollback to.');
  return updateDeploymentAndClearRollbackTo(s, d);
}

async function rollbackToTemplate(s: SyncDeps, d: Deployment, rs: ReplicaSet): Promise<boolean> {
  let performed = false;
  if (!equalIgnoreHash(d.spec?.template, rs.spec?.template)) {
    log.v(4).info('Rolling back deployment to old template spec', { deployment: objKey(d), templateSpec: rs.spec?.template?.spec });
    const template = structuredClone(rs.spec!.template!);
    if (template.metadata?.labels) delete template.metadata.labels[DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY];
    d.spec!.template = template;
    setDeploymentAnnotationsTo(d, rs);
    performed = true;
  } else {
    log.v(4).info('Rolling back to a revision that contains the same template as current deployment, skipping rollback...', { deployment: objKey(d) });
    s.recorder.event(withDeploymentKind(d), 'Warning', ROLLBACK_TEMPLATE_UNCHANGED, `The rollback revision contains the same template as current deployment ${JSON.stringify(d.metadata?.name)}`);
  }
  await updateDeploymentAndClearRollbackTo(s, d);
  return performed;
}

async function updateDeploymentAndClearRollbackTo(s: SyncDeps, d: Deployment): Promise<void> {
  log.v(4).info('Cleans up rollbackTo of deployment', { deployment: objKey(d) });
  if (d.metadata?.annotations) delete d.metadata.annotations[DEPRECATED_ROLLBACK_TO];
  await updateDeployment(s, d);
}
