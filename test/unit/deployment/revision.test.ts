import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { maxSurge } from '../../../src/controllers/deployment/fenceposts.js';
import { lastRevision, maxRevision, setDeploymentAnnotationsTo, setNewReplicaSetAnnotations } from '../../../src/controllers/deployment/revision.js';
import { deployment, replicaSet } from './helpers.js';

const REV = 'deployment.kubernetes.io/revision';
const HIST = 'deployment.kubernetes.io/revision-history';

describe('revisions', () => {
  test('max and last revision skip unparsable ones', () => {
    const sets = [replicaSet('a', 0, { annotations: { [REV]: '3' } }), replicaSet('b', 0, { annotations: { [REV]: '7' } }), replicaSet('c', 0, { annotations: { [REV]: 'x' } }), replicaSet('d', 0)];
    assert.equal(maxRevision(sets), 7);
    assert.equal(lastRevision(sets), 3);
    assert.equal(maxRevision([]), 0);
  });

  test('a new RS gets the revision, the deployment annotations (not the skipped ones) and replicas annotations', () => {
    const d = deployment(4, { maxSurge: 1, maxUnavailable: 1 });
    d.metadata!.annotations = { team: 'a', [REV]: '9', 'kubectl.kubernetes.io/last-applied-configuration': '{}', 'kubernetes.io/change-cause': 'kubectl set image' };
    const rs = replicaSet('n', 0);
    assert.equal(setNewReplicaSetAnnotations(d, rs, '2', false, maxSurge), true);
    assert.deepEqual(rs.metadata!.annotations, {
      team: 'a',
      'kubernetes.io/change-cause': 'kubectl set image',
      [REV]: '2',
      'deployment.kubernetes.io/desired-replicas': '4',
      'deployment.kubernetes.io/max-replicas': '5',
    });
    // nothing new: unchanged
    assert.equal(setNewReplicaSetAnnotations(d, rs, '2', true, maxSurge), false);
    // a lower revision never lowers it
    assert.equal(setNewReplicaSetAnnotations(d, rs, '1', true, maxSurge), false);
    assert.equal(rs.metadata!.annotations![REV], '2');
  });

  test('a rollback to an old RS records its former revisions', () => {
    const d = deployment(1);
    const rs = replicaSet('o', 0, { annotations: { [REV]: '1' } });
    setNewReplicaSetAnnotations(d, rs, '3', true, maxSurge);
    assert.equal(rs.metadata!.annotations![REV], '3');
    assert.equal(rs.metadata!.annotations![HIST], '1');
    setNewReplicaSetAnnotations(d, rs, '5', true, maxSurge);
    assert.equal(rs.metadata!.annotations![HIST], '1,3');
  });

  test('the revision history is cut to the character limit, oldest first', () => {
    const d = deployment(1);
    const rs = replicaSet('o', 0, { annotations: { [REV]: '40', [HIST]: '10,20,30' } });
    setNewReplicaSetAnnotations(d, rs, '50', true, maxSurge, 8);
    assert.equal(rs.metadata!.annotations![HIST], '20,30,40');
  });

  test('rolling back copies the RS annotations but keeps the deployment-only ones', () => {
    const d = deployment(1);
    d.metadata!.annotations = { [REV]: '4', team: 'a' };
    const rs = replicaSet('o', 0, { annotations: { [REV]: '1', team: 'b', 'kubernetes.io/change-cause': 'x' } });
    setDeploymentAnnotationsTo(d, rs);
    assert.deepEqual(d.metadata!.annotations, { [REV]: '4', team: 'b', 'kubernetes.io/change-cause': 'x' });
  });
});
