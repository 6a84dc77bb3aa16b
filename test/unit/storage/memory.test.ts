// Runs the Store conformance suite against the in-memory backend.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { openStore } from '../../../src/storage/index.js';
import { MemoryStore } from '../../../src/storage/memory.js';
import { storageSuite } from './suite.js';

storageSuite('memory', () => openStore({ backend: 'memory' }));

it('openStore({ backend: "memory" }) returns a MemoryStore', async () => {
  const s = await openStore({ backend: 'memory' });
  assert.ok(s instanceof MemoryStore);
  assert.equal(s.backend, 'memory');
  await s.close();
});
