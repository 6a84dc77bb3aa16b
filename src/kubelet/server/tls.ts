// The kubelet's serving certificate: tlsCertFile/tlsPrivateKeyFile when configured, else, as
// upstream, a self-signed pair kept under <root-dir>/pki (kubelet.crt with its CA appended,
// kubelet.key), made once ("<host>@<time>" signed by "<host>-ca@<time>") and reused afterwards.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createCA, issueCert } from '../../pki/certs.js';
import type { Logger } from '../../util/klog.js';

export interface ServingPair {
  cert: string;
  key: string;
}

export async function servingCertificate(o: { certFile?: string; keyFile?: string; rootDir: string; certDir?: string; hostname: string; address: string; log: Logger }): Promise<ServingPair> {
  if (o.certFile && o.keyFile) {
    const read = async (path: string, what: string) => {
      try {
        return await readFile(path, 'utf8');
      } catch (e) {
        throw new Error(`kubelet server: cannot read ${what} ${path}: ${(e as Error).message}`);
      }
    };
    return { cert: await read(o.certFile, 'tlsCertFile'), key: await read(o.keyFile, 'tlsPrivateKeyFile') };
  }
  const dir = o.certDir || join(o.rootDir, 'pki'); // --cert-dir, default <root-dir>/pki as upstream
  const certPath = join(dir, 'kubelet.crt');
  const keyPath = join(dir, 'kubelet.key');
  if (existsSync(certPath) && existsSync(keyPath)) return { cert: await readFile(certPath, 'utf8'), key: await readFile(keyPath, 'utf8') };
  const stamp = Math.floor(Date.now() / 1000);
  const ca = await createCA({ commonName: `${o.hostname}-ca@${stamp}`, keyAlgorithm: 'ecdsa', validityDays: 365 });
  const ips = ['127.0.0.1', ...(o.address && o.address !== '0.0.0.0' && o.address !== '::' ? [o.address] : [])];
  const leaf = await issueCert(ca, { commonName: `${o.hostname}@${stamp}`, dnsNames: [o.hostname, 'localhost'], ipAddresses: ips, usages: ['server'], keyAlgorithm: 'ecdsa', validityDays: 365 });
  await mkdir(dir, { recursive: true, mode: 0o755 });
  await writeFile(certPath, leaf.certPem + ca.certPem, { mode: 0o644 });
  await writeFile(keyPath, leaf.keyPem, { mode: 0o600 });
  o.log.info('Generated self-signed serving certificate', { cert: certPath, key: keyPath });
  return { cert: leaf.certPem + ca.certPem, key: leaf.keyPem };
}
