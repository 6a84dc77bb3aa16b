// Local images for a node with no registry: `k8ts.io/pause:3.9` (the sandbox image) and
// `k8ts.io/busybox:latest`, built from the host's static busybox into OCI archives (cached by
// content), and imported into containerd's k8s.io namespace with `ctr images import`.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CriClient } from '../cri/client.js';
import { logger } from '../util/klog.js';
import { DEFAULT_SANDBOX_IMAGE } from './config.js';
import { which } from './daemon.js';
import { ANNOTATION_CONTAINERD_NAME, makeLayer, ociArchive, readTar, tarBuffer, type Descriptor, type ImageSpec, type Layer, type TarEntry } from './oci.js';

const log = logger('images');
const execFileP = promisify(execFile);

export const PAUSE_IMAGE = DEFAULT_SANDBOX_IMAGE;
export const BUSYBOX_IMAGE = 'k8ts.io/busybox:latest';
/** Where the kubelet's CRI looks: the namespace the CRI plugin keeps its images in. */
export const K8S_NAMESPACE = 'k8s.io';
export const DEFAULT_BUSYBOX_BINARY = '/bin/busybox';
/** Bump when the image contents change, so cached archives are rebuilt. */
const BUILDER_VERSION = '1';

const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * The pause process: sleeps forever as the sandbox's PID 1 and exits 0 on SIGTERM/SIGINT (a PID 1
 * ignores signals it has no handler for, hence the trap; `wait` lets the trap run at once).
 */
const PAUSE_SCRIPT = `#!/bin/sh
# k8ts sandbox ("pause") process: hold the pod's namespaces until told to stop.
trap 'exit 0' TERM INT
while :; do
  sleep 2147483647 &
  wait $!
done
`;

/** The one layer both images share: busybox with every applet linked in /bin, and /pause. */
export async function busyboxLayerEntries(busybox: string): Promise<TarEntry[]> {
  const { stdout } = await execFileP(busybox, ['--list']);
  const applets = stdout.split('\n').map((s) => s.trim()).filter((s) => s && s !== 'busybox' && !s.includes('/'));
  const dir = (name: string, mode = 0o755): TarEntry => ({ name: name + '/', type: 'directory', mode });
  const file = (name: string, data: string | Buffer, mode = 0o644): TarEntry => ({ name, type: 'file', mode, data: Buffer.isBuffer(data) ? data : Buffer.from(data) });
  return [
    dir('bin'),
    dir('dev'),
    dir('etc'),
    dir('home'),
    dir('proc'),
    dir('root', 0o700),
    dir('sys'),
    dir('tmp', 0o1777),
    dir('usr'),
    dir('usr/bin'),
    dir('var'),
    dir('var/log'),
    dir('www'),
    file('bin/busybox', readFileSync(busybox), 0o755),
    ...applets.sort().map((a): TarEntry => ({ name: `bin/${a}`, type: 'symlink', linkname: 'busybox' })),
    { name: 'usr/bin/env', type: 'symlink', linkname: '../../bin/busybox' },
    file('etc/passwd', 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n'),
    file('etc/group', 'root:x:0:\nnogroup:x:65534:\n'),
    file('www/index.html', '<html><body>k8ts busybox httpd</body></html>\n'),
    file('pause', PAUSE_SCRIPT, 0o755),
  ];
}

export function testImageSpecs(layer: Layer): { pause: ImageSpec; busybox: ImageSpec } {
  return {
    pause: { name: PAUSE_IMAGE, layers: [layer], config: { Env: [PATH_ENV], Entrypoint: ['/pause'], WorkingDir: '/' } },
    busybox: { name: BUSYBOX_IMAGE, layers: [layer], config: { Env: [PATH_ENV], Cmd: ['sh'] } },
  };
}

export interface BuiltArchive {
  name: string;
  archive: string;
  /** true when it came from the cache. */
  cached: boolean;
}

function slug(name: string): string {
  return name.replace(/^[^/]*\//, '').replace(/[^a-zA-Z0-9.-]+/g, '-');
}

/**
 * Builds (or finds in outDir) one OCI archive per test image. Archives are named by a hash of
 * their inputs (builder version, busybox binary, image name), so a rebuild with the same busybox
 * is a file lookup; concurrent builders each write a temp file and rename it into place.
 */
export async function buildTestImages(opts: { outDir: string; busybox?: string }): Promise<{ pause: BuiltArchive; busybox: BuiltArchive }> {
  const busybox = opts.busybox ?? DEFAULT_BUSYBOX_BINARY;
  if (!existsSync(busybox)) throw new Error(`images: ${busybox} not found (install Debian's busybox-static)`);
  mkdirSync(opts.outDir, { recursive: true });
  const binHash = createHash('sha256').update(readFileSync(busybox)).digest('hex');
  const paths = (name: string) => {
    const key = createHash('sha256').update(`${BUILDER_VERSION}\0${binHash}\0${name}`).digest('hex').slice(0, 16);
    return join(opts.outDir, `${slug(name)}-${key}.tar`);
  };
  const want = { pause: paths(PAUSE_IMAGE), busybox: paths(BUSYBOX_IMAGE) };
  if (existsSync(want.pause) && existsSync(want.busybox)) {
    return { pause: { name: PAUSE_IMAGE, archive: want.pause, cached: true }, busybox: { name: BUSYBOX_IMAGE, archive: want.busybox, cached: true } };
  }
  const started = Date.now();
  const layer = makeLayer(await tarBuffer(await busyboxLayerEntries(busybox)));
  const specs = testImageSpecs(layer);
  for (const k of ['pause', 'busybox'] as const) {
    const tmp = `${want[k]}.${process.pid}.tmp`;
    writeFileSync(tmp, await ociArchive([specs[k]]));
    renameSync(tmp, want[k]);
  }
  log.v(2).info('Built test images', { dir: opts.outDir, ms: Date.now() - started });
  return { pause: { name: PAUSE_IMAGE, archive: want.pause, cached: false }, busybox: { name: BUSYBOX_IMAGE, archive: want.busybox, cached: false } };
}

export interface ImportOptions {
  /** containerd's socket (path or unix:// URL). */
  address: string;
  namespace?: string;
  /** The ctr binary (default: found on PATH). */
  ctr?: string;
}

/**
 * Imports an OCI or Docker archive with `ctr images import` (unpacked for the default
 * snapshotter, so the CRI can run it at once); returns the image names ctr reports.
 */
export async function importArchive(archive: string, o: ImportOptions): Promise<string[]> {
  const ctr = o.ctr ?? which('ctr');
  if (!ctr) throw new Error('images: ctr not found (it ships with containerd)');
  const address = o.address.replace(/^unix:\/\//, '');
  const args = ['--address', address, '--namespace', o.namespace ?? K8S_NAMESPACE, 'images', 'import', archive];
  let out: string;
  try {
    const r = await execFileP(ctr, args, { maxBuffer: 16 << 20 });
    out = r.stdout + r.stderr;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`images: importing ${archive} failed: ${(e.stderr || e.message).trim()}`);
  }
  // ctr prints "unpacking <name> (sha256:…)...done" per image.
  const names = [...out.matchAll(/unpacking (\S+) \(sha256:[0-9a-f]+\)/g)].map((m) => m[1]!);
  log.v(2).info('Imported image archive', { archive, images: names });
  return names;
}

/** Fails unless the CRI at `endpoint` reports every image (what the kubelet will ask for). */
export async function verifyImages(endpoint: string, names: string[]): Promise<Record<string, string>> {
  const cri = new CriClient(endpoint, { timeoutMs: 10_000 });
  try {
    const ids: Record<string, string> = {};
    for (const name of names) {
      const { image } = await cri.imageStatus({ image: { image: name } });
      if (!image) throw new Error(`images: the CRI at ${endpoint} does not see ${name} after import`);
      ids[name] = image.id;
    }
    return ids;
  } finally {
    cri.close();
  }
}

/** The image names in an OCI archive and their image IDs (config digests, what the CRI reports). */
export async function archiveImageIds(archive: string): Promise<Record<string, string>> {
  const entries = new Map((await readTar(readFileSync(archive))).map((e) => [e.name, e.data]));
  const blob = (digest: string) => entries.get(`blobs/sha256/${digest.replace(/^sha256:/, '')}`);
  const index = JSON.parse(entries.get('index.json')?.toString() ?? '{"manifests":[]}') as { manifests: Descriptor[] };
  const ids: Record<string, string> = {};
  for (const d of index.manifests) {
    const name = d.annotations?.[ANNOTATION_CONTAINERD_NAME];
    const manifest = blob(d.digest);
    if (name && manifest) ids[name] = (JSON.parse(manifest.toString()) as { config: Descriptor }).config.digest;
  }
  return ids;
}

/**
 * Builds (cached) and imports the pause and busybox images, then checks them through CRI. An
 * image the runtime already has with the same ID (e.g. a restarted node) is not imported again.
 */
export async function ensureTestImages(o: ImportOptions & { endpoint?: string; outDir: string; busybox?: string }): Promise<{ pause: string; busybox: string; imported: string[] }> {
  const built = await buildTestImages({ outDir: o.outDir, busybox: o.busybox });
  const endpoint = o.endpoint ?? `unix://${o.address.replace(/^unix:\/\//, '')}`;
  const inCri = (o.namespace ?? K8S_NAMESPACE) === K8S_NAMESPACE;
  const cri = inCri ? new CriClient(endpoint, { timeoutMs: 10_000 }) : undefined;
  const imported: string[] = [];
  try {
    const present = async (archive: string): Promise<boolean> => {
      if (!cri) return false;
      for (const [name, id] of Object.entries(await archiveImageIds(archive))) {
        const { image } = await cri.imageStatus({ image: { image: name } });
        if (image?.id !== id) return false;
      }
      return true;
    };
    await Promise.all(
      [built.pause.archive, built.busybox.archive].map(async (archive) => {
        if (await present(archive)) log.v(2).info('Image already present', { archive });
        else imported.push(...(await importArchive(archive, o)));
      }),
    );
  } finally {
    cri?.close();
  }
  if (inCri) await verifyImages(endpoint, [PAUSE_IMAGE, BUSYBOX_IMAGE]);
  return { pause: PAUSE_IMAGE, busybox: BUSYBOX_IMAGE, imported: imported.sort() };
}
