// The kubelet's CRI client: one gRPC channel (@grpc/grpc-js) to a runtime's unix socket, with the
// runtime.v1 RuntimeService and ImageService as promise methods, a deadline per call, and gRPC
// failures turned into CriError (code + details) so callers can tell NotFound from the rest.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { logger } from '../util/klog.js';
import type * as cri from './types.js';

const log = logger('cri');

/** The loader options the message shapes in types.ts are written for. */
export const PROTO_LOADER_OPTIONS: protoLoader.Options = { keepCase: false, longs: Number, enums: String, defaults: true, oneofs: true };

/** The kubelet's default --runtime-request-timeout (2m). */
export const DEFAULT_RUNTIME_REQUEST_TIMEOUT_MS = 2 * 60_000;
/** Image pulls get their own, longer deadline (upstream gives them none; we bound it). */
export const DEFAULT_IMAGE_PULL_TIMEOUT_MS = 30 * 60_000;
/** Largest message accepted either way, as upstream's kubelet (16 MiB). */
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/**
 * The package root (the directory holding package.json), found by walking up from this module so
 * it works both from src/ (tsx) and from dist/src/ (compiled): tsc does not copy .proto files.
 */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`cri: no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

export function apiProtoPath(): string {
  return join(packageRoot(), 'src', 'cri', 'api.proto');
}

type ServiceCtor = grpc.ServiceClientConstructor;
let services: { runtime: ServiceCtor; image: ServiceCtor } | undefined;

function loadServices(): { runtime: ServiceCtor; image: ServiceCtor } {
  if (services) return services;
  const def = protoLoader.loadSync(apiProtoPath(), PROTO_LOADER_OPTIONS);
  const pkg = grpc.loadPackageDefinition(def) as unknown as { runtime: { v1: Record<string, ServiceCtor> } };
  services = { runtime: pkg.runtime.v1.RuntimeService!, image: pkg.runtime.v1.ImageService! };
  return services;
}

/** `unix:///run/x.sock`, `unix:/run/x.sock` or a bare `/run/x.sock` → a grpc-js target. */
export function grpcTarget(endpoint: string): string {
  if (endpoint.startsWith('unix://')) return endpoint;
  if (endpoint.startsWith('unix:')) return 'unix://' + endpoint.slice('unix:'.length);
  if (endpoint.startsWith('/')) return 'unix://' + endpoint;
  throw new Error(`cri: unsupported runtime endpoint ${JSON.stringify(endpoint)} (want unix:///path/to/socket)`);
}

/** The socket path of a unix endpoint (for existence checks and messages). */
export function endpointPath(endpoint: string): string {
  return grpcTarget(endpoint).slice('unix://'.length);
}

/** A failed CRI call: the gRPC status code and the runtime's details, with the method named. */
export class CriError extends Error {
  constructor(
    readonly method: string,
    readonly code: grpc.status,
    readonly details: string,
  ) {
    super(`CRI ${method}: ${grpc.status[code] ?? code}: ${details}`);
    this.name = 'CriError';
  }
  get codeName(): string {
    return grpc.status[this.code] ?? String(this.code);
  }
}

export function isCriError(err: unknown, code?: grpc.status): err is CriError {
  return err instanceof CriError && (code === undefined || err.code === code);
}
export const isCriNotFound = (err: unknown): err is CriError => isCriError(err, grpc.status.NOT_FOUND);
export const isCriUnimplemented = (err: unknown): err is CriError => isCriError(err, grpc.status.UNIMPLEMENTED);
export const isCriDeadlineExceeded = (err: unknown): err is CriError => isCriError(err, grpc.status.DEADLINE_EXCEEDED);
export const isCriUnavailable = (err: unknown): err is CriError => isCriError(err, grpc.status.UNAVAILABLE);
export { status as GrpcStatus } from '@grpc/grpc-js';

/** Status with verbose=true, its info values parsed from JSON. */
export interface StatusInfo {
  conditions: cri.RuntimeCondition[];
  /** containerd: config (its CRI config), cniconfig, golang, lastCNILoadStatus… */
  info: Record<string, unknown>;
  runtimeHandlers: cri.RuntimeHandler[];
  features: cri.StatusResponse['features'];
}

export interface CriClientOptions {
  /** Deadline of every call but image pulls (--runtime-request-timeout). */
  timeoutMs?: number;
  /** Deadline of PullImage. */
  imagePullTimeoutMs?: number;
}

type Unary = (req: unknown, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: unknown) => void) => grpc.ClientUnaryCall;

export class CriClient {
  readonly endpoint: string;
  readonly timeoutMs: number;
  readonly imagePullTimeoutMs: number;
  private readonly runtime: grpc.Client;
  private readonly image: grpc.Client;

  constructor(endpoint: string, opts: CriClientOptions = {}) {
    this.endpoint = endpoint;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_RUNTIME_REQUEST_TIMEOUT_MS;
    this.imagePullTimeoutMs = opts.imagePullTimeoutMs ?? DEFAULT_IMAGE_PULL_TIMEOUT_MS;
    const { runtime, image } = loadServices();
    const target = grpcTarget(endpoint);
    const channelOptions = {
      'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
      'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
    };
    this.runtime = new runtime(target, grpc.credentials.createInsecure(), channelOptions);
    // Both services share the one channel, as upstream's kubelet does.
    this.image = new image(target, grpc.credentials.createInsecure(), { channelOverride: this.runtime.getChannel() });
  }

  private call<Req, Res>(client: grpc.Client, method: string, req: Req, timeoutMs = this.timeoutMs): Promise<Res> {
    const fn = (client as unknown as Record<string, Unary>)[method];
    if (!fn) return Promise.reject(new Error(`cri: no RPC ${method}`));
    const started = Date.now();
    return new Promise<Res>((resolve, reject) => {
      const deadline = Number.isFinite(timeoutMs) ? Date.now() + timeoutMs : Infinity;
      fn.call(client, req, new grpc.Metadata(), { deadline }, (err, res) => {
        if (err) {
          const e = new CriError(method, err.code ?? grpc.status.UNKNOWN, err.details || err.message);
          log.v(4).info('CRI call failed', { method, code: e.codeName, details: e.details });
          reject(e);
          return;
        }
        log.v(10).info('CRI call', { method, ms: Date.now() - started });
        resolve(res as Res);
      });
    });
  }
  private rt<Req, Res>(method: string, req: Req, timeoutMs?: number): Promise<Res> {
    return this.call<Req, Res>(this.runtime, method, req, timeoutMs);
  }
  private img<Req, Res>(method: string, req: Req, timeoutMs?: number): Promise<Res> {
    return this.call<Req, Res>(this.image, method, req, timeoutMs);
  }

  // ---- RuntimeService ----
  /** Version of the runtime; with no request, asks in the "v1" dialect. */
  version(req: cri.VersionRequest = { version: 'v1' }, timeoutMs?: number): Promise<cri.VersionResponse> {
    return this.rt('Version', req, timeoutMs);
  }
  runPodSandbox(req: cri.RunPodSandboxRequest): Promise<cri.RunPodSandboxResponse> {
    return this.rt('RunPodSandbox', req);
  }
  stopPodSandbox(req: cri.StopPodSandboxRequest): Promise<cri.StopPodSandboxResponse> {
    return this.rt('StopPodSandbox', req);
  }
  removePodSandbox(req: cri.RemovePodSandboxRequest): Promise<cri.RemovePodSandboxResponse> {
    return this.rt('RemovePodSandbox', req);
  }
  podSandboxStatus(req: cri.PodSandboxStatusRequest): Promise<cri.PodSandboxStatusResponse> {
    return this.rt('PodSandboxStatus', req);
  }
  listPodSandbox(req: cri.ListPodSandboxRequest = {}): Promise<cri.ListPodSandboxResponse> {
    return this.rt('ListPodSandbox', req);
  }
  createContainer(req: cri.CreateContainerRequest): Promise<cri.CreateContainerResponse> {
    return this.rt('CreateContainer', req);
  }
  startContainer(req: cri.StartContainerRequest): Promise<cri.StartContainerResponse> {
    return this.rt('StartContainer', req);
  }
  /** The deadline covers the grace period: runtimeRequestTimeout + timeout seconds, as upstream. */
  stopContainer(req: cri.StopContainerRequest): Promise<cri.StopContainerResponse> {
    return this.rt('StopContainer', req, this.timeoutMs + (req.timeout ?? 0) * 1000);
  }
  removeContainer(req: cri.RemoveContainerRequest): Promise<cri.RemoveContainerResponse> {
    return this.rt('RemoveContainer', req);
  }
  listContainers(req: cri.ListContainersRequest = {}): Promise<cri.ListContainersResponse> {
    return this.rt('ListContainers', req);
  }
  containerStatus(req: cri.ContainerStatusRequest): Promise<cri.ContainerStatusResponse> {
    return this.rt('ContainerStatus', req);
  }
  updateContainerResources(req: cri.UpdateContainerResourcesRequest): Promise<cri.UpdateContainerResourcesResponse> {
    return this.rt('UpdateContainerResources', req);
  }
  reopenContainerLog(req: cri.ReopenContainerLogRequest): Promise<cri.ReopenContainerLogResponse> {
    return this.rt('ReopenContainerLog', req);
  }
  /**
   * As upstream: with a command timeout the deadline is runtimeRequestTimeout + timeout (time for
   * the runtime to clean up); without one (0) the call has no deadline.
   */
  execSync(req: cri.ExecSyncRequest): Promise<cri.ExecSyncResponse> {
    return this.rt('ExecSync', req, req.timeout ? this.timeoutMs + req.timeout * 1000 : Infinity);
  }
  exec(req: cri.ExecRequest): Promise<cri.ExecResponse> {
    return this.rt('Exec', req);
  }
  attach(req: cri.AttachRequest): Promise<cri.AttachResponse> {
    return this.rt('Attach', req);
  }
  portForward(req: cri.PortForwardRequest): Promise<cri.PortForwardResponse> {
    return this.rt('PortForward', req);
  }
  containerStats(req: cri.ContainerStatsRequest): Promise<cri.ContainerStatsResponse> {
    return this.rt('ContainerStats', req);
  }
  listContainerStats(req: cri.ListContainerStatsRequest = {}): Promise<cri.ListContainerStatsResponse> {
    return this.rt('ListContainerStats', req);
  }
  podSandboxStats(req: cri.PodSandboxStatsRequest): Promise<cri.PodSandboxStatsResponse> {
    return this.rt('PodSandboxStats', req);
  }
  listPodSandboxStats(req: cri.ListPodSandboxStatsRequest = {}): Promise<cri.ListPodSandboxStatsResponse> {
    return this.rt('ListPodSandboxStats', req);
  }
  updateRuntimeConfig(req: cri.UpdateRuntimeConfigRequest): Promise<cri.UpdateRuntimeConfigResponse> {
    return this.rt('UpdateRuntimeConfig', req);
  }
  status(req: cri.StatusRequest = {}): Promise<cri.StatusResponse> {
    return this.rt('Status', req);
  }
  /** Not implemented by containerd 1.6 (CriError UNIMPLEMENTED). */
  runtimeConfig(req: cri.RuntimeConfigRequest = {}): Promise<cri.RuntimeConfigResponse> {
    return this.rt('RuntimeConfig', req);
  }
  checkpointContainer(req: cri.CheckpointContainerRequest): Promise<cri.CheckpointContainerResponse> {
    return this.rt('CheckpointContainer', req);
  }

  /** Status(verbose) with every info value parsed (a value that is not JSON is kept as text). */
  async statusInfo(): Promise<StatusInfo> {
    const res = await this.status({ verbose: true });
    const info: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(res.info ?? {})) {
      try {
        info[k] = JSON.parse(v);
      } catch {
        info[k] = v;
      }
    }
    return { conditions: res.status?.conditions ?? [], info, runtimeHandlers: res.runtimeHandlers ?? [], features: res.features };
  }

  // ---- ImageService ----
  listImages(req: cri.ListImagesRequest = {}): Promise<cri.ListImagesResponse> {
    return this.img('ListImages', req);
  }
  imageStatus(req: cri.ImageStatusRequest): Promise<cri.ImageStatusResponse> {
    return this.img('ImageStatus', req);
  }
  pullImage(req: cri.PullImageRequest): Promise<cri.PullImageResponse> {
    return this.img('PullImage', req, this.imagePullTimeoutMs);
  }
  removeImage(req: cri.RemoveImageRequest): Promise<cri.RemoveImageResponse> {
    return this.img('RemoveImage', req);
  }
  imageFsInfo(req: cri.ImageFsInfoRequest = {}): Promise<cri.ImageFsInfoResponse> {
    return this.img('ImageFsInfo', req);
  }

  close(): void {
    this.image.close();
    this.runtime.close();
  }
}

/**
 * The cgroup driver the runtime uses, from Status(verbose).info.config: containerd's CRI config
 * names its default runtime (containerd.defaultRuntimeName) and that runtime's runc options carry
 * SystemdCgroup. undefined when the runtime does not say (another runtime, or no verbose info).
 */
export function runtimeCgroupDriver(status: StatusInfo): 'systemd' | 'cgroupfs' | undefined {
  const config = status.info['config'] as { containerd?: { defaultRuntimeName?: string; runtimes?: Record<string, { options?: Record<string, unknown> | null; systemdCgroup?: boolean }> } } | undefined;
  const ctd = config?.containerd;
  if (!ctd?.runtimes) return undefined;
  const runtime = ctd.runtimes[ctd.defaultRuntimeName || 'runc'];
  if (!runtime) return undefined;
  const systemd = runtime.options?.['SystemdCgroup'] ?? runtime.systemdCgroup;
  if (systemd === undefined) return runtime.options ? 'cgroupfs' : undefined;
  return systemd === true ? 'systemd' : 'cgroupfs';
}
