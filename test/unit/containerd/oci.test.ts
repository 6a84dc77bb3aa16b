// OCI archives: the layout ctr imports (oci-layout, index.json with the image-name annotations,
// content-addressed blobs), reproducible bytes, and the pause/busybox test images' contents.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { BUSYBOX_IMAGE, PAUSE_IMAGE, archiveImageIds, buildTestImages } from '../../../src/containerd/images.js';
import { goArch, makeLayer, ociArchive, readTar, refTag, sha256, tarBuffer, type TarRead } from '../../../src/containerd/oci.js';

type Any = Record<string, any>;

function files(entries: TarRead[]): Map<string, TarRead> {
  return new Map(entries.map((e) => [e.name, e]));
}

/** Follows index.json → manifest → config and layers, checking every digest on the way. */
function open(entries: TarRead[]): { index: Any; images: { name: string; manifest: Any; config: Any; layers: Buffer[] }[] } {
  const f = files(entries);
  const blob = (digest: string) => {
    const e = f.get(`blobs/sha256/${digest.replace('sha256:', '')}`);
    assert.ok(e, `blob ${digest} present`);
    assert.equal(sha256(e.data), digest, 'blob content matches its digest');
    return e.data;
  };
  const index = JSON.parse(f.get('index.json')!.data.toString()) as Any;
  const images = (index['manifests'] as Any[]).map((d) => {
    const manifestData = blob(d['digest']);
    assert.equal(manifestData.length, d['size']);
    const manifest = JSON.parse(manifestData.toString()) as Any;
    const config = JSON.parse(blob(manifest['config'].digest).toString()) as Any;
    const layers = (manifest['layers'] as Any[]).map((l) => blob(l.digest));
    return { name: d['annotations']['io.containerd.image.name'] as string, manifest, config, layers };
  });
  return { index, images };
}

describe('OCI archives', () => {
  it('lay out oci-layout, index.json and blobs that chain by digest', async () => {
    const layerTar = await tarBuffer([
      { name: 'etc/', type: 'directory' },
      { name: 'etc/hello', type: 'file', data: Buffer.from('hi\n') },
      { name: 'bin/sh', type: 'symlink', linkname: 'busybox' },
    ]);
    const layer = makeLayer(layerTar);
    const archive = await ociArchive([{ name: 'example.com/demo:v1', config: { Cmd: ['sh'] }, layers: [layer] }]);
    const entries = await readTar(archive);
    const f = files(entries);
    assert.deepEqual(JSON.parse(f.get('oci-layout')!.data.toString()), { imageLayoutVersion: '1.0.0' });
    const { index, images } = open(entries);
    assert.equal(index['schemaVersion'], 2);
    assert.equal(index['mediaType'], 'application/vnd.oci.image.index.v1+json');
    const desc = index['manifests'][0];
    assert.equal(desc.mediaType, 'application/vnd.oci.image.manifest.v1+json');
    assert.deepEqual(desc.annotations, { 'io.containerd.image.name': 'example.com/demo:v1', 'org.opencontainers.image.ref.name': 'v1' });
    assert.deepEqual(desc.platform, { architecture: goArch(), os: 'linux' });
    const img = images[0]!;
    assert.equal(img.manifest['config'].mediaType, 'application/vnd.oci.image.config.v1+json');
    assert.equal(img.manifest['layers'][0].mediaType, 'application/vnd.oci.image.layer.v1.tar+gzip');
    assert.deepEqual(img.config['config'], { Cmd: ['sh'] });
    assert.equal(img.config['os'], 'linux');
    assert.deepEqual(img.config['rootfs'], { type: 'layers', diff_ids: [sha256(layerTar)] }, 'diff_ids are the uncompressed digests');
    const inner = files(await readTar(gunzipSync(img.layers[0]!)));
    assert.equal(inner.get('etc/hello')!.data.toString(), 'hi\n');
    assert.equal(inner.get('bin/sh')!.type, 'symlink');
    assert.equal(inner.get('bin/sh')!.linkname, 'busybox');
  });

  it('are reproducible byte for byte', async () => {
    const build = async () => ociArchive([{ name: 'x/y:z', config: {}, layers: [makeLayer(await tarBuffer([{ name: 'a', type: 'file', data: Buffer.from('1') }]))] }]);
    assert.ok((await build()).equals(await build()));
  });

  it('refTag takes the tag after the last path segment', () => {
    assert.equal(refTag('k8ts.io/pause:3.9'), '3.9');
    assert.equal(refTag('localhost:5000/busybox'), 'latest');
    assert.equal(refTag('busybox'), 'latest');
  });
});

describe('test images', () => {
  it('pause and busybox share a busybox layer, with the entrypoints a node needs; a rebuild is a cache hit', async () => {
    const out = mkdtempSync(join(tmpdir(), 'k8ts-images-unit-'));
    try {
      const built = await buildTestImages({ outDir: out });
      assert.equal(built.pause.cached, false);
      const pause = open(await readTar(readFileSync(built.pause.archive))).images[0]!;
      const busybox = open(await readTar(readFileSync(built.busybox.archive))).images[0]!;
      assert.equal(pause.name, PAUSE_IMAGE);
      assert.equal(busybox.name, BUSYBOX_IMAGE);
      assert.deepEqual(pause.config['config'].Entrypoint, ['/pause']);
      assert.deepEqual(busybox.config['config'].Cmd, ['sh']);
      assert.ok(busybox.config['config'].Env.some((e: string) => e.startsWith('PATH=') && e.includes('/bin')));
      assert.equal(pause.manifest['layers'][0].digest, busybox.manifest['layers'][0].digest, 'one shared layer');

      const layer = files(await readTar(gunzipSync(busybox.layers[0]!)));
      assert.ok(layer.get('bin/busybox')!.data.equals(readFileSync('/bin/busybox')));
      assert.equal(layer.get('bin/busybox')!.mode & 0o111, 0o111);
      for (const applet of ['sh', 'httpd', 'nc', 'tar', 'sleep', 'cat', 'wget']) {
        assert.equal(layer.get(`bin/${applet}`)?.linkname, 'busybox', `bin/${applet}`);
      }
      assert.equal(layer.get('tmp/')!.mode, 0o1777);
      assert.ok(layer.has('www/'));
      assert.match(layer.get('etc/passwd')!.data.toString(), /^root:x:0:0:/);
      const script = layer.get('pause')!.data.toString();
      assert.match(script, /^#!\/bin\/sh\n/);
      assert.match(script, /trap 'exit 0' TERM INT/);

      assert.deepEqual(await archiveImageIds(built.pause.archive), { [PAUSE_IMAGE]: pause.manifest['config'].digest });
      assert.deepEqual(await archiveImageIds(built.busybox.archive), { [BUSYBOX_IMAGE]: busybox.manifest['config'].digest });

      const again = await buildTestImages({ outDir: out });
      assert.equal(again.pause.cached, true);
      assert.equal(again.pause.archive, built.pause.archive);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
