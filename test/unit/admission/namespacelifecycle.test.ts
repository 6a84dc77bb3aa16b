import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { IMMORTAL_NAMESPACES, namespaceLifecyclePlugin } from '../../../src/apiserver/admission/namespacelifecycle.js';

describe('NamespaceLifecycle', () => {
  test('the immortal namespaces are upstream\'s', () => {
    assert.deepEqual([...IMMORTAL_NAMESPACES], ['default', 'kube-system', 'kube-public']);
    assert.ok(Object.isFrozen(IMMORTAL_NAMESPACES));
  });

  test('the chain entry carries the name and leaves the checks to the write path', () => {
    const p = namespaceLifecyclePlugin();
    assert.equal(p.name, 'NamespaceLifecycle');
    assert.equal(p.admit, undefined);
    assert.equal(p.validate, undefined);
  });
});
