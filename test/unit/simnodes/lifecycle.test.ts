import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { nodeControl, podControl } from '../../../src/simnodes/control.js';
import { advance, crashBackoffMs, newRuntime, runtimeSignature } from '../../../src/simnodes/pod-lifecycle.js';

const s = { readyDelayMs: 2000, runDurationMs: 1000 };
const T = 1_700_000_000_000;

describe('simnodes control annotations', () => {
  it('reads node and pod control annotations', () => {
    assert.deepEqual(nodeControl(undefined), { ready: true, kubeletStopped: false });
    assert.deepEqual(nodeControl({ 'k8ts.io/sim-ready': 'false' }), { ready: false, kubeletStopped: false });
    assert.deepEqual(nodeControl({ 'k8ts.io/sim-ready': 'true', 'k8ts.io/sim-kubelet': 'stopped' }), { ready: true, kubeletStopped: true });
    assert.deepEqual(podControl({ 'k8ts.io/sim-exit-code': '3', 'k8ts.io/sim-run-duration': '5s', other: 'x' }), { ready: true, exitCode: 3, runDurationMs: 5000 });
    assert.deepEqual(podControl({ 'k8ts.io/sim-ready': 'False', 'k8ts.io/sim-exit-code': 'x', 'k8ts.io/sim-run-duration': 'soon' }), { ready: false });
  });
});

describe('simnodes pod lifecycle', () => {
  it('runs restartPolicy Always pods forever, ready after the ready delay', () => {
    const rt = newRuntime('u', 'n', T, ['10.0.0.2'], true);
    assert.equal(advance(rt, 'Always', { ready: true }, s, T), T + 2000);
    assert.equal(rt.ready, false);
    assert.equal(advance(rt, 'Always', { ready: true }, s, T + 2000), undefined);
    assert.equal(rt.ready, true);
    assert.equal(rt.readyChangedAt, T + 2000);
    assert.equal(advance(rt, undefined, { ready: true }, s, T + 3_600_000), undefined);
    assert.equal(rt.phase, 'Running');
    assert.equal(rt.container, 'running');
  });

  it('keeps a pod whose annotation says not ready unready, and readies it when that goes', () => {
    const rt = newRuntime('u', 'n', T, [], false);
    assert.equal(advance(rt, 'Always', { ready: false }, s, T + 5000), undefined);
    assert.equal(rt.ready, false);
    advance(rt, 'Always', { ready: true }, s, T + 6000);
    assert.equal(rt.ready, true);
    const before = runtimeSignature(rt);
    advance(rt, 'Always', { ready: false }, s, T + 7000);
    assert.equal(rt.ready, false);
    assert.notEqual(runtimeSignature(rt), before);
  });

  it('ends Never pods Succeeded after the run duration, Failed with a non-zero exit code', () => {
    const ok = newRuntime('u', 'n', T, [], false);
    assert.equal(advance(ok, 'Never', { ready: true }, { ...s, readyDelayMs: 0 }, T), T + 1000);
    assert.equal(ok.ready, true);
    assert.equal(advance(ok, 'Never', { ready: true }, s, T + 1500), undefined);
    assert.equal(ok.phase, 'Succeeded');
    assert.equal(ok.ready, false);
    assert.deepEqual(ok.termination, { exitCode: 0, reason: 'Completed', startedAt: T, finishedAt: T + 1000 });

    const bad = newRuntime('u', 'n', T, [], false);
    advance(bad, 'Never', { ready: true, exitCode: 2, runDurationMs: 50 }, s, T + 60);
    assert.equal(bad.phase, 'Failed');
    assert.deepEqual(bad.termination, { exitCode: 2, reason: 'Error', startedAt: T, finishedAt: T + 50 });
  });

  it('restarts OnFailure pods that fail, with the crash-loop back-off', () => {
    assert.deepEqual([1, 2, 3, 4, 10].map(crashBackoffMs), [0, 10_000, 20_000, 40_000, 300_000]);
    const rt = newRuntime('u', 'n', T, [], false);
    const ctl = { ready: true, exitCode: 1 };
    // first exit at T+1000: restarted at once; second exit at T+2000: back-off 10s
    assert.equal(advance(rt, 'OnFailure', ctl, s, T + 2500), T + 12_000);
    assert.equal(rt.restartCount, 2);
    assert.equal(rt.container, 'waiting');
    assert.equal(rt.phase, 'Running');
    assert.equal(rt.lastTermination?.exitCode, 1);
    assert.equal(advance(rt, 'OnFailure', ctl, s, T + 12_000), T + 13_000);
    assert.equal(rt.container, 'running');
    assert.equal(rt.containerStartedAt, T + 12_000);
    // OnFailure with exit code 0 completes
    const done = newRuntime('u', 'n', T, [], false);
    advance(done, 'OnFailure', { ready: true }, s, T + 1000);
    assert.equal(done.phase, 'Succeeded');
  });

  it('crash-loops restartPolicy Always pods only when an exit code is asked for', () => {
    const rt = newRuntime('u', 'n', T, [], false);
    advance(rt, 'Always', { ready: true, exitCode: 0 }, s, T + 1000);
    assert.equal(rt.restartCount, 1);
    assert.equal(rt.phase, 'Running');
    assert.equal(rt.lastTermination?.reason, 'Completed');
  });
});
