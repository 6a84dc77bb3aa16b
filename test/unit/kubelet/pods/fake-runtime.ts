// An in-memory CRI runtime for the pod lifecycle's unit tests: sandboxes with IPs, containers
// with created/running/exited states and exit codes, label-selector filters, and a crash() to
// make a container exit as if its process died.
import type { RuntimeApi } from '../../../../src/kubelet/pods/cri.js';
import type { ContainerConfig, PodSandboxConfig } from '../../../../src/cri/types.js';

interface FakeSandbox {
  id: string;
  config: PodSandboxConfig;
  state: 'SANDBOX_READY' | 'SANDBOX_NOTREADY';
  createdAt: number;
  ip: string;
}

interface FakeContainer {
  id: string;
  sandboxId: string;
  config: ContainerConfig;
  state: 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED';
  createdAt: number;
  startedAt: number;
  finishedAt: number;
  exitCode: number;
}

const matches = (labels: Record<string, string> | undefined, sel: Record<string, string> | undefined) => !sel || Object.entries(sel).every(([k, v]) => labels?.[k] === v);

export class FakeRuntime {
  sandboxes = new Map<string, FakeSandbox>();
  containers = new Map<string, FakeContainer>();
  calls: string[] = [];
  private seq = 0;
  private clock = 1_700_000_000_000;

  private now(): number {
    // strictly increasing nanoseconds, so "newest first" orders are stable
    this.clock = Math.max(this.clock + 1, Date.now());
    return this.clock * 1e6;
  }

  /** The container's process exits with code. */
  crash(id: string, code: number): void {
    const c = this.containers.get(id)!;
    c.state = 'CONTAINER_EXITED';
    c.exitCode = code;
    c.finishedAt = this.now();
  }

  running(): FakeContainer[] {
    return [...this.containers.values()].filter((c) => c.state === 'CONTAINER_RUNNING');
  }

  api(): RuntimeApi {
    const toSandbox = (s: FakeSandbox) => ({ id: s.id, metadata: s.config.metadata, state: s.state, createdAt: s.createdAt, labels: s.config.labels ?? {}, annotations: s.config.annotations ?? {}, runtimeHandler: '' });
    const toStatus = (c: FakeContainer) => ({
      id: c.id,
      metadata: c.config.metadata,
      state: c.state,
      createdAt: c.createdAt,
      startedAt: c.startedAt,
      finishedAt: c.finishedAt,
      exitCode: c.exitCode,
      image: c.config.image,
      imageRef: 'sha256:fake',
      reason: c.state === 'CONTAINER_EXITED' ? (c.exitCode === 0 ? 'Completed' : 'Error') : '',
      message: '',
      labels: c.config.labels ?? {},
      annotations: c.config.annotations ?? {},
      mounts: [],
      logPath: '',
    });
    const api = {
      version: async () => ({ version: '0.1.0', runtimeName: 'fake', runtimeVersion: '1', runtimeApiVersion: 'v1' }),
      runPodSandbox: async ({ config }: { config: PodSandboxConfig }) => {
        const id = `sb${++this.seq}`;
        this.calls.push(`RunPodSandbox ${config.metadata.name} ${config.metadata.attempt}`);
        this.sandboxes.set(id, { id, config, state: 'SANDBOX_READY', createdAt: this.now(), ip: `10.9.0.${this.seq}` });
        return { podSandboxId: id };
      },
      stopPodSandbox: async ({ podSandboxId }: { podSandboxId: string }) => {
        this.calls.push(`StopPodSandbox ${podSandboxId}`);
        const s = this.sandboxes.get(podSandboxId);
        if (s) s.state = 'SANDBOX_NOTREADY';
        for (const c of this.containers.values()) if (c.sandboxId === podSandboxId && c.state === 'CONTAINER_RUNNING') this.crash(c.id, 137);
        return {};
      },
      removePodSandbox: async ({ podSandboxId }: { podSandboxId: string }) => {
        this.calls.push(`RemovePodSandbox ${podSandboxId}`);
        this.sandboxes.delete(podSandboxId);
        for (const c of [...this.containers.values()]) if (c.sandboxId === podSandboxId) this.containers.delete(c.id);
        return {};
      },
      podSandboxStatus: async ({ podSandboxId }: { podSandboxId: string }) => {
        const s = this.sandboxes.get(podSandboxId);
        if (!s) throw Object.assign(new Error('not found'), { details: 'not found' });
        return { status: { ...toSandbox(s), network: { ip: s.ip, additionalIps: [] }, linux: { namespaces: { options: s.config.linux?.securityContext?.namespaceOptions ?? null } } }, info: {}, containersStatuses: [], timestamp: 0 };
      },
      listPodSandbox: async ({ filter }: { filter?: { labelSelector?: Record<string, string> } | null } = {}) => ({ items: [...this.sandboxes.values()].filter((s) => matches(s.config.labels, filter?.labelSelector ?? undefined)).map(toSandbox) }),
      createContainer: async ({ podSandboxId, config }: { podSandboxId: string; config: ContainerConfig }) => {
        const id = `c${++this.seq}`;
        this.calls.push(`CreateContainer ${config.metadata.name} ${config.metadata.attempt}`);
        this.containers.set(id, { id, sandboxId: podSandboxId, config, state: 'CONTAINER_CREATED', createdAt: this.now(), startedAt: 0, finishedAt: 0, exitCode: 0 });
        return { containerId: id };
      },
      startContainer: async ({ containerId }: { containerId: string }) => {
        const c = this.containers.get(containerId)!;
        c.state = 'CONTAINER_RUNNING';
        c.startedAt = this.now();
        return {};
      },
      stopContainer: async ({ containerId, timeout }: { containerId: string; timeout?: number }) => {
        this.calls.push(`StopContainer ${this.containers.get(containerId)?.config.metadata.name} ${timeout}`);
        const c = this.containers.get(containerId);
        if (c && c.state === 'CONTAINER_RUNNING') this.crash(containerId, 143);
        return {};
      },
      removeContainer: async ({ containerId }: { containerId: string }) => {
        this.calls.push(`RemoveContainer ${containerId}`);
        this.containers.delete(containerId);
        return {};
      },
      listContainers: async ({ filter }: { filter?: { labelSelector?: Record<string, string> } | null } = {}) => ({
        containers: [...this.containers.values()].filter((c) => matches(c.config.labels, filter?.labelSelector ?? undefined)).map((c) => ({ id: c.id, podSandboxId: c.sandboxId, metadata: c.config.metadata, image: c.config.image, imageRef: 'sha256:fake', state: c.state, createdAt: c.createdAt, labels: c.config.labels ?? {}, annotations: c.config.annotations ?? {}, imageId: '' })),
      }),
      containerStatus: async ({ containerId }: { containerId: string }) => {
        const c = this.containers.get(containerId);
        if (!c) throw Object.assign(new Error('not found'), { details: 'not found' });
        return { status: toStatus(c), info: {} };
      },
      execSync: async () => ({ stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), exitCode: 0 }),
      imageStatus: async ({ image }: { image: { image: string } }) => ({ image: { id: `sha256:${image.image}`, repoTags: [], repoDigests: [], size: 1, uid: { value: 0 }, username: '', spec: null, pinned: false, imageSource: '' }, info: {} }),
      pullImage: async ({ image }: { image: { image: string } }) => ({ imageRef: `sha256:${image.image}` }),
    };
    return api as unknown as RuntimeApi;
  }
}
