import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { certificateSubjectRestrictionPlugin, csrOrganizations } from '../../../src/apiserver/admission/certificatesubjectrestriction.js';
import { nodeRestrictionPlugin } from '../../../src/apiserver/admission/noderestriction.js';
import { FakeObjects, nodeUser, rejection, run, scope } from './helpers.js';
import { csrRequest } from './csr.js';

const csrScope = (o: Record<string, unknown> = {}) => scope('certificates.k8s.io', 'certificatesigningrequests', o);
const csr = (name: string, signerName: string, request: string) => ({ metadata: { name }, spec: { signerName, request, usages: ['client auth'] } });

describe('CertificateSubjectRestriction', () => {
  const p = certificateSubjectRestrictionPlugin();

  test('system:masters through kube-apiserver-client is refused', async () => {
    const req = await csrRequest('CN=mallory, O=system:masters');
    assert.deepEqual(csrOrganizations(req), ['system:masters']);
    const err = await rejection(run(p, 'CREATE', csr('evil', 'kubernetes.io/kube-apiserver-client', req), undefined, csrScope()));
    assert.equal(err.code, 403);
    assert.equal(err.message, 'certificatesigningrequests.certificates.k8s.io "evil" is forbidden: use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed');
  });

  test('other groups, other signers and unparseable requests of other signers pass', async () => {
    await run(p, 'CREATE', csr('ok', 'kubernetes.io/kube-apiserver-client', await csrRequest('CN=alice, O=dev')), undefined, csrScope());
    await run(p, 'CREATE', csr('other', 'example.com/signer', await csrRequest('CN=x, O=system:masters')), undefined, csrScope());
    await run(p, 'CREATE', csr('junk', 'example.com/signer', 'bm90IGEgY3Ny'), undefined, csrScope());
  });

  test('an unparseable request for the signer is refused', async () => {
    const err = await rejection(run(p, 'CREATE', csr('junk', 'kubernetes.io/kube-apiserver-client', 'bm90IGEgY3Ny'), undefined, csrScope()));
    assert.equal(err.message, 'certificatesigningrequests.certificates.k8s.io "junk" is forbidden: failed to parse CSR: PEM block type must be CERTIFICATE REQUEST');
  });
});

describe('NodeRestriction: kubelet CSRs (opt-in, upstream 1.33+)', () => {
  test('a node may only request its own CN', async () => {
    const p = nodeRestrictionPlugin(new FakeObjects(), { restrictCSRs: true });
    const s = () => csrScope({ user: nodeUser('n1') });
    await run(p, 'CREATE', csr('mine', 'kubernetes.io/kubelet-serving', await csrRequest('CN=system:node:n1, O=system:nodes')), undefined, s());
    const err = await rejection(run(p, 'CREATE', csr('theirs', 'kubernetes.io/kube-apiserver-client-kubelet', await csrRequest('CN=system:node:n2, O=system:nodes')), undefined, s()));
    assert.equal(err.message, 'certificatesigningrequests.certificates.k8s.io "theirs" is forbidden: can only create a node CSR with CN=system:node:n1');
    // off by default (1.32)
    await run(nodeRestrictionPlugin(new FakeObjects()), 'CREATE', csr('theirs', 'kubernetes.io/kubelet-serving', await csrRequest('CN=system:node:n2')), undefined, s());
  });
});
