// PKI file writing: PEM files written atomically (temp file + rename/link in the same
// directory) with the modes kubeadm uses — private keys 0600, certificates and public keys
// 0644 — creating parent directories, plus write-if-absent helpers.

import { randomBytes } from 'node:crypto';
import { chmod, link, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export const KEY_FILE_MODE = 0o600;
export const CERT_FILE_MODE = 0o644;
export const DIR_MODE = 0o755;

function tempPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

async function writeTemp(path: string, data: string | Buffer, mode: number): Promise<string> {
  await mkdir(dirname(path), { recursive: true, mode: DIR_MODE });
  const tmp = tempPath(path);
  await writeFile(tmp, data, { mode, flag: 'wx' });
  await chmod(tmp, mode); // the umask may have narrowed or the mode be wider than asked
  return tmp;
}

/** Write (replacing) path atomically with the given mode. */
export async function writeFileAtomic(path: string, data: string | Buffer, mode: number): Promise<void> {
  const tmp = await writeTemp(path, data, mode);
  try {
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/**
 * Create path with data only if it does not exist (atomically: the full content appears at
 * once, and a concurrent writer cannot be overwritten). Returns true when written.
 */
export async function writeIfAbsent(path: string, data: string | Buffer, mode: number): Promise<boolean> {
  const tmp = await writeTemp(path, data, mode);
  try {
    await link(tmp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    await rm(tmp, { force: true });
  }
}

/** Write a private key PEM (mode 0600). */
export function writeKeyFile(path: string, pem: string): Promise<void> {
  return writeFileAtomic(path, pem, KEY_FILE_MODE);
}

/** Write a certificate or public key PEM (mode 0644). */
export function writeCertFile(path: string, pem: string): Promise<void> {
  return writeFileAtomic(path, pem, CERT_FILE_MODE);
}

export function writeKeyIfAbsent(path: string, pem: string): Promise<boolean> {
  return writeIfAbsent(path, pem, KEY_FILE_MODE);
}

export function writeCertIfAbsent(path: string, pem: string): Promise<boolean> {
  return writeIfAbsent(path, pem, CERT_FILE_MODE);
}

/** Write a certificate and its key (key first, so a cert never appears without its key). */
export async function writeCertKeyPair(certPath: string, keyPath: string, pair: { certPem: string; keyPem: string }): Promise<void> {
  await writeKeyFile(keyPath, pair.keyPem);
  await writeCertFile(certPath, pair.certPem);
}

export async function fileExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** The file's text, or undefined if it does not exist. */
export async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
