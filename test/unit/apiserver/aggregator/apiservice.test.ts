import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { apiServiceDef, availableCell, validateAPIService, validateAPIServiceStatus } from '../../../../src/apiserver/aggregator/apiservice.js';
import { localAPIService } from '../../../../src/apiserver/aggregator/autoregister.js';

function remote(spec: Record<string, unknown> = {}, name = 'v1beta1.metrics.k8s.io') {
  return {
    metadata: { name },
    spec: { group: 'metrics.k8s.io', version: 'v1beta1', groupPriorityMinimum: 100, versionPriority: 100, service: { namespace: 'kube-system', name: 'metrics-server', port: 443 }, ...spec },
  };
}

const fields = (errs: { field: string; detail?: string }[]) => errs.map((e) => `${e.field}: ${e.detail ?? ''}`);

describe('APIService validation', () => {
  test('a valid remote and a valid local APIService pass', () => {
    assert.deepEqual(validateAPIService(remote()), []);
    assert.deepEqual(validateAPIService(localAPIService('', 'v1', 'onstart')), []);
    assert.deepEqual(validateAPIService(localAPIService('apps', 'v1', 'onstart')), []);
    assert.deepEqual(validateAPIService(localAPIService('stable.example.com', 'v1', 'true')), []);
  });

  test('the name must be version.group', () => {
    assert.deepEqual(fields(validateAPIService(remote({}, 'metrics'))), ['metadata.name: must be `spec.version+"."+spec.group`: "v1beta1.metrics.k8s.io"']);
  });

  test('priorities are bounded', () => {
    assert.deepEqual(fields(validateAPIService(remote({ groupPriorityMinimum: 0, versionPriority: 1001 }))), [
      'spec.groupPriorityMinimum: must be positive and less than 20000',
      'spec.versionPriority: must be positive and less than 1000',
    ]);
    assert.deepEqual(validateAPIService(remote({ groupPriorityMinimum: 20000, versionPriority: 1000 })), []);
  });

  test('group and version formats; only v1 may have an empty group', () => {
    const errs = validateAPIService({ metadata: { name: 'v2.' }, spec: { group: '', version: 'v2', groupPriorityMinimum: 1, versionPriority: 1 } });
    assert.deepEqual(fields(errs), ['spec.group: only v1 may have an empty group and it better be legacy kube']);
    const bad = validateAPIService({ metadata: { name: 'V1.Bad_Group' }, spec: { group: 'Bad_Group', version: 'V1', groupPriorityMinimum: 1, versionPriority: 1 } });
    assert.deepEqual(bad.map((e) => e.field), ['spec.group', 'spec.version']);
  });

  test('service fields, caBundle and insecureSkipTLSVerify', () => {
    assert.deepEqual(fields(validateAPIService(remote({ service: { namespace: '', name: '', port: 0 } }))), [
      'spec.service.namespace: ',
      'spec.service.name: ',
      'spec.service.port: port is not valid: must be between 1 and 65535, inclusive',
    ]);
    assert.deepEqual(fields(validateAPIService(remote({ insecureSkipTLSVerify: true, caBundle: 'Y2E=' }))), ['spec.insecureSkipTLSVerify: may not be true if caBundle is present']);
    const local = localAPIService('apps', 'v1', 'onstart');
    local.spec.caBundle = 'Y2E=';
    local.spec.insecureSkipTLSVerify = true;
    const errs = validateAPIService(local);
    assert.deepEqual(fields(errs), ['spec.caBundle: local APIServices may not have a caBundle', 'spec.insecureSkipTLSVerify: local APIServices may not have insecureSkipTLSVerify']);
    assert.equal(errs[0].value, '2 bytes');
  });

  test('status conditions', () => {
    assert.deepEqual(validateAPIServiceStatus({ status: { conditions: [{ type: 'Available', status: 'True' }] } }), []);
    const errs = validateAPIServiceStatus({ status: { conditions: [{ status: 'Maybe' }] } });
    assert.deepEqual(errs.map((e) => e.field), ['status.conditions[0].status', 'status.conditions[0].type']);
  });

  test('defaults and strategy: port 443, status kept apart from spec updates', () => {
    const obj: any = remote({ service: { namespace: 'kube-system', name: 'm' } });
    apiServiceDef.defaults!(obj);
    assert.equal(obj.spec.service.port, 443);
    const old: any = { ...remote(), status: { conditions: [{ type: 'Available', status: 'True' }] } };
    const upd: any = { ...remote({ versionPriority: 5 }), status: {} };
    apiServiceDef.prepareForUpdate!(upd, old);
    assert.deepEqual(upd.status, old.status);
    const st: any = { ...remote({ versionPriority: 7 }), metadata: { name: 'v1beta1.metrics.k8s.io' }, status: { conditions: [] } };
    apiServiceDef.prepareForStatusUpdate!(st, old);
    assert.equal(st.spec.versionPriority, 100);
  });
});

describe('APIService table', () => {
  test('SERVICE is Local or namespace/name; AVAILABLE True, False (Reason) or Unknown', () => {
    const cells = (o: any) => apiServiceDef.table!.cells(o, Date.now()).slice(0, 3);
    assert.deepEqual(cells(localAPIService('apps', 'v1', 'onstart')), ['v1.apps', 'Local', 'Unknown']);
    const r: any = remote();
    r.status = { conditions: [{ type: 'Available', status: 'False', reason: 'FailedDiscoveryCheck' }] };
    assert.deepEqual(cells(r), ['v1beta1.metrics.k8s.io', 'kube-system/metrics-server', 'False (FailedDiscoveryCheck)']);
    r.status.conditions[0] = { type: 'Available', status: 'True', reason: 'Passed' };
    assert.equal(availableCell(r), 'True');
    assert.deepEqual(apiServiceDef.table!.columns.map((c) => c.name), ['Name', 'Service', 'Available', 'Age']);
  });

  test('autoregistered priorities are upstream\'s; CRD group/versions get 1000/100', () => {
    assert.deepEqual(localAPIService('', 'v1', 'onstart').spec, { group: '', version: 'v1', groupPriorityMinimum: 18000, versionPriority: 1 });
    assert.deepEqual(localAPIService('autoscaling', 'v2', 'onstart').spec.versionPriority, 30);
    const crd = localAPIService('stable.example.com', 'v1', 'true');
    assert.equal(crd.metadata.name, 'v1.stable.example.com');
    assert.deepEqual([crd.spec.groupPriorityMinimum, crd.spec.versionPriority], [1000, 100]);
    assert.equal(crd.metadata.labels['kube-aggregator.kubernetes.io/automanaged'], 'true');
  });
});
