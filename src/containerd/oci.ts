// OCI image archives written in TypeScript (tar-stream): layers as gzip'd tars, image config and
// manifest blobs addressed by sha256, and the OCI image layout (oci-layout, index.json,
// blobs/sha256/…) that `ctr images import` loads. Output is byte-for-byte reproducible.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';

export const MEDIA_TYPE_INDEX = 'application/vnd.oci.image.index.v1+json';
export const MEDIA_TYPE_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const MEDIA_TYPE_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const MEDIA_TYPE_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
/** The annotation containerd (ctr import) names an image by. */
export const ANNOTATION_CONTAINERD_NAME = 'io.containerd.image.name';
/** The OCI annotation for an image's reference (its tag). */
export const ANNOTATION_REF_NAME = 'org.opencontainers.image.ref.name';

/** Every entry gets this mtime, so the same inputs give the same digests. */
const EPOCH = new Date(0);

export interface TarEntry {
  /** Path inside the tar, without a leading slash ("bin/sh"). */
  name: string;
  type: 'file' | 'directory' | 'symlink';
  mode?: number;
  data?: Buffer;
  linkname?: string;
}

/** A tar archive of the entries, in order, owned by root, with a fixed mtime. */
export function tarBuffer(entries: TarEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    pack.on('data', (c: unknown) => void chunks.push(c as Buffer));
    pack.on('end', () => resolve(Buffer.concat(chunks)));
    pack.on('error', reject);
  });
  for (const e of entries) {
    const mode = e.mode ?? (e.type === 'directory' ? 0o755 : e.type === 'symlink' ? 0o777 : 0o644);
    const header = { name: e.name, type: e.type, mode, uid: 0, gid: 0, mtime: EPOCH, linkname: e.linkname };
    if (e.type === 'file') pack.entry(header, e.data ?? Buffer.alloc(0));
    else pack.entry(header);
  }
  pack.finalize();
  return done;
}

export function sha256(data: Buffer | string): string {
  return 'sha256:' + createHash('sha256').update(data).digest('hex');
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: { architecture: string; os: string };
}

export interface Blob extends Descriptor {
  data: Buffer;
}

export function makeBlob(data: Buffer, mediaType: string): Blob {
  return { mediaType, digest: sha256(data), size: data.length, data };
}

export interface Layer {
  /** The gzip'd blob stored in the image. */
  blob: Blob;
  /** Digest of the uncompressed tar (the image config's rootfs.diff_ids). */
  diffId: string;
}

/** A layer from a tar; gzip's header carries no name or time, so it is reproducible. */
export function makeLayer(tarData: Buffer): Layer {
  return { blob: makeBlob(gzipSync(tarData, { level: 9 }), MEDIA_TYPE_LAYER_GZIP), diffId: sha256(tarData) };
}

/** The runtime part of an OCI image config (Docker's names, as the spec keeps them). */
export interface ImageRuntimeConfig {
  Env?: string[];
  Entrypoint?: string[];
  Cmd?: string[];
  WorkingDir?: string;
  User?: string;
  ExposedPorts?: Record<string, Record<string, never>>;
  StopSignal?: string;
  Labels?: Record<string, string>;
}

export interface ImageSpec {
  /** Full reference, e.g. k8ts.io/busybox:latest. */
  name: string;
  config: ImageRuntimeConfig;
  layers: Layer[];
  /** GOARCH-style architecture (default: this machine's). */
  architecture?: string;
}

/** Node's process.arch in GOARCH terms (what image platforms use). */
export function goArch(arch: string = process.arch): string {
  return ({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' } as Record<string, string>)[arch] ?? arch;
}

/** The tag part of a reference ("k8ts.io/pause:3.9" → "3.9"; none → "latest"). */
export function refTag(name: string): string {
  const last = name.slice(name.lastIndexOf('/') + 1);
  const i = last.indexOf(':');
  return i >= 0 ? last.slice(i + 1) : 'latest';
}

export interface BuiltManifest {
  name: string;
  manifest: Blob;
  config: Blob;
  descriptor: Descriptor;
}

/** The config and manifest blobs of one image, and its index entry. */
export function buildManifest(img: ImageSpec): BuiltManifest {
  const architecture = img.architecture ?? goArch();
  const configJson = {
    architecture,
    os: 'linux',
    config: img.config,
    rootfs: { type: 'layers', diff_ids: img.layers.map((l) => l.diffId) },
    history: img.layers.map(() => ({ created: EPOCH.toISOString(), created_by: 'k8ts images build-test' })),
    created: EPOCH.toISOString(),
  };
  const config = makeBlob(Buffer.from(JSON.stringify(configJson)), MEDIA_TYPE_CONFIG);
  const strip = ({ mediaType, digest, size }: Descriptor): Descriptor => ({ mediaType, digest, size });
  const manifestJson = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPE_MANIFEST,
    config: strip(config),
    layers: img.layers.map((l) => strip(l.blob)),
  };
  const manifest = makeBlob(Buffer.from(JSON.stringify(manifestJson)), MEDIA_TYPE_MANIFEST);
  const descriptor: Descriptor = {
    ...strip(manifest),
    annotations: { [ANNOTATION_CONTAINERD_NAME]: img.name, [ANNOTATION_REF_NAME]: refTag(img.name) },
    platform: { architecture, os: 'linux' },
  };
  return { name: img.name, manifest, config, descriptor };
}

/** An OCI image-layout tar holding the images (blobs shared between them are stored once). */
export async function ociArchive(images: ImageSpec[]): Promise<Buffer> {
  const blobs = new Map<string, Buffer>();
  const manifests: Descriptor[] = [];
  for (const img of images) {
    const built = buildManifest(img);
    for (const b of [...img.layers.map((l) => l.blob), built.config, built.manifest]) blobs.set(b.digest, b.data);
    manifests.push(built.descriptor);
  }
  const index = { schemaVersion: 2, mediaType: MEDIA_TYPE_INDEX, manifests };
  const entries: TarEntry[] = [
    { name: 'oci-layout', type: 'file', data: Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })) },
    { name: 'index.json', type: 'file', data: Buffer.from(JSON.stringify(index)) },
    { name: 'blobs/', type: 'directory' },
    { name: 'blobs/sha256/', type: 'directory' },
  ];
  for (const [digest, data] of [...blobs].sort(([a], [b]) => a.localeCompare(b))) {
    entries.push({ name: `blobs/sha256/${digest.slice('sha256:'.length)}`, type: 'file', data });
  }
  return tarBuffer(entries);
}

export interface TarRead {
  name: string;
  type: string;
  mode: number;
  linkname?: string;
  data: Buffer;
}

/** Every entry of a tar (for tests and inspection). */
export async function readTar(data: Buffer): Promise<TarRead[]> {
  const extract = tar.extract();
  const out: TarRead[] = [];
  const done = (async () => {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(c as Buffer);
      const h = entry.header;
      out.push({ name: h.name, type: h.type ?? 'file', mode: h.mode ?? 0, linkname: h.linkname ?? undefined, data: Buffer.concat(chunks) });
    }
  })();
  extract.end(data);
  await done;
  return out;
}
