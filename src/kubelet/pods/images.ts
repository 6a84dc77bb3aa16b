// The image manager (pkg/kubelet/images): makes sure a container's image is present per its
// imagePullPolicy, pulling it through CRI with credentials from the pod's imagePullSecrets
// (dockerconfigjson/dockercfg), one pull at a time when serializeImagePulls, with a per-image
// back-off and upstream's events (Pulling, Pulled, Failed, BackOff, ErrImageNeverPull).
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import type { EventRecorder } from '../../client/events.js';
import type { KubeObject } from '../../client/rest.js';
import { Backoff } from './backoff.js';
import type { AuthConfig, PodSandboxConfig, RuntimeApi } from './cri.js';

/** A failure the status shows as the container's waiting reason. */
export class ImageError extends Error {
  constructor(
    readonly reason: 'ErrImagePull' | 'ImagePullBackOff' | 'ErrImageNeverPull' | 'InvalidImageName',
    message: string,
  ) {
    super(message);
  }
}

export interface DockerConfigEntry {
  username?: string;
  password?: string;
  auth?: string;
}

/** The registry host and repository path of an image reference ("busybox" → docker.io, library/busybox). */
export function imageRegistry(image: string): { host: string; path: string } {
  const noDigest = image.split('@')[0];
  const slash = noDigest.indexOf('/');
  let host = 'docker.io';
  let rest = noDigest;
  if (slash > 0) {
    const first = noDigest.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost') {
      host = first;
      rest = noDigest.slice(slash + 1);
    }
  }
  if (host === 'docker.io' && !rest.includes('/')) rest = `library/${rest}`;
  const path = rest.replace(/:[^/]*$/, '');
  return { host, path };
}

const dockerHubAliases = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/** Parses a dockerconfigjson / dockercfg key ("https://index.docker.io/v1/", "reg.example.com/team"). */
function parseConfigKey(key: string): { host: string; path: string } {
  let k = key.replace(/^[a-z]+:\/\//, '');
  k = k.replace(/\/v[12]\/?$/, '');
  const slash = k.indexOf('/');
  const host = slash < 0 ? k : k.slice(0, slash);
  const path = slash < 0 ? '' : k.slice(slash + 1).replace(/\/$/, '');
  return { host: dockerHubAliases.has(host) ? 'docker.io' : host, path };
}

/** CRI AuthConfigs from the pod's pull secrets that match the image, most specific first. */
export function authConfigsFor(image: string, secrets: Array<{ type?: string; data?: Record<string, string> }>): AuthConfig[] {
  const target = imageRegistry(image);
  const found: Array<{ spec: number; auth: AuthConfig }> = [];
  for (const s of secrets) {
    let auths: Record<string, DockerConfigEntry> = {};
    try {
      if (s.data?.['.dockerconfigjson']) auths = JSON.parse(Buffer.from(s.data['.dockerconfigjson'], 'base64').toString('utf8')).auths ?? {};
      else if (s.data?.['.dockercfg']) auths = JSON.parse(Buffer.from(s.data['.dockercfg'], 'base64').toString('utf8'));
    } catch {
      continue;
    }
    for (const [key, entry] of Object.entries(auths)) {
      const k = parseConfigKey(key);
      const hostMatch = k.host === target.host || (k.host.startsWith('*.') && target.host.endsWith(k.host.slice(1)));
      if (!hostMatch || (k.path && !(target.path === k.path || target.path.startsWith(`${k.path}/`)))) continue;
      let { username, password } = entry;
      if ((!username || !password) && entry.auth) {
        const dec = Buffer.from(entry.auth, 'base64').toString('utf8');
        const i = dec.indexOf(':');
        if (i > 0) {
          username = dec.slice(0, i);
          password = dec.slice(i + 1);
        }
      }
      found.push({ spec: k.path.length, auth: { username, password, serverAddress: k.host } });
    }
  }
  return found.sort((a, b) => b.spec - a.spec).map((f) => f.auth);
}

/** The pull policy in effect (defaulted as the API server does when unset). */
export function pullPolicy(c: Container): 'Always' | 'IfNotPresent' | 'Never' {
  if (c.imagePullPolicy === 'Always' || c.imagePullPolicy === 'IfNotPresent' || c.imagePullPolicy === 'Never') return c.imagePullPolicy;
  const image = c.image ?? '';
  if (image.includes('@')) return 'IfNotPresent';
  const last = image.slice(image.lastIndexOf('/') + 1);
  return !last.includes(':') || last.endsWith(':latest') ? 'Always' : 'IfNotPresent';
}

export interface ImageManagerDeps {
  cri: RuntimeApi;
  recorder: EventRecorder;
  serialize: boolean;
  maxParallel?: number;
}

export class ImageManager {
  readonly backoff = new Backoff();
  private running = 0;
  private waiters: Array<() => void> = [];

  constructor(private readonly deps: ImageManagerDeps) {}

  private async slot<T>(fn: () => Promise<T>): Promise<T> {
    const max = this.deps.serialize ? 1 : (this.deps.maxParallel ?? Infinity);
    while (this.running >= max) await new Promise<void>((r) => this.waiters.push(r));
    this.running++;
    try {
      return await fn();
    } finally {
      this.running--;
      this.waiters.shift()?.();
    }
  }

  /** EnsureImageExists: resolves with the image reference, or throws an ImageError. */
  async ensureImage(pod: Pod, container: Container, secrets: Array<{ type?: string; data?: Record<string, string> }>, sandboxConfig: PodSandboxConfig): Promise<string> {
    const image = container.image ?? '';
    const ref = pod as unknown as KubeObject;
    const ev = { fieldPath: `spec.containers{${container.name}}` };
    if (!image) throw new ImageError('InvalidImageName', `Failed to apply default image tag "${image}": couldn't parse image name "${image}": invalid reference format`);
    const policy = pullPolicy(container);
    const present = await this.deps.cri.imageStatus({ image: { image } }).then((r) => r.image?.id ? r.image : undefined);
    if (present && policy !== 'Always') {
      this.deps.recorder.event(ref, 'Normal', 'Pulled', `Container image "${image}" already present on machine`, ev);
      return present.id;
    }
    if (policy === 'Never') {
      const msg = `Container image "${image}" is not present with pull policy of Never`;
      this.deps.recorder.event(ref, 'Warning', 'ErrImageNeverPull', msg, ev);
      throw new ImageError('ErrImageNeverPull', msg);
    }
    const key = `${pod.metadata!.uid}_${image}`;
    if (this.backoff.isInBackOffSince(key, Date.now())) {
      const msg = `Back-off pulling image "${image}"`;
      this.deps.recorder.event(ref, 'Normal', 'BackOff', msg, ev);
      throw new ImageError('ImagePullBackOff', msg);
    }
    this.deps.recorder.event(ref, 'Normal', 'Pulling', `Pulling image "${image}"`, ev);
    const asked = Date.now();
    try {
      const { imageRef, started } = await this.slot(async () => {
        const started = Date.now();
        const auths = authConfigsFor(image, secrets);
        let lastErr: unknown;
        for (const auth of auths.length ? auths : [undefined]) {
          try {
            const r = await this.deps.cri.pullImage({ image: { image }, auth, sandboxConfig });
            return { imageRef: r.imageRef, started };
          } catch (err) {
            lastErr = err;
          }
        }
        throw lastErr;
      });
      const done = Date.now();
      const size = await this.deps.cri.imageStatus({ image: { image } }).then((r) => Number(r.image?.size ?? 0), () => 0);
      this.deps.recorder.event(ref, 'Normal', 'Pulled', `Successfully pulled image "${image}" in ${secs(done - started)} (${secs(done - asked)} including waiting). Image size: ${size} bytes.`, ev);
      return imageRef;
    } catch (err) {
      const why = String((err as { details?: string }).details || (err as Error).message || err);
      this.deps.recorder.event(ref, 'Warning', 'Failed', `Failed to pull image "${image}": ${why}`, ev);
      this.backoff.next(key);
      throw new ImageError('ErrImagePull', why);
    }
  }
}

/** Go's Duration String() for sub-minute values ("1.234s", "512ms"). */
function secs(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  return `${(ms / 1000).toFixed(3).replace(/\.?0+$/, '')}s`;
}
