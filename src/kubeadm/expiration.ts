// `kubeadm certs check-expiration`: the certificates kubeadm manages (the leaf certificates
// of the default list and the client certificates embedded in admin.conf, super-admin.conf,
// controller-manager.conf and scheduler.conf — kubelet.conf is the kubelet's business), then
// the CAs, each sorted by name, printed as upstream's text printer does through Go's
// tabwriter (minwidth 10, padding 3, spaces):
//
//   CERTIFICATE                EXPIRES                  RESIDUAL TIME   CERTIFICATE AUTHORITY   EXTERNALLY MANAGED
//   admin.conf                 Mar 15, 2026 01:59 UTC   364d            ca                      no
//   ...
//
//   CERTIFICATE AUTHORITY   EXPIRES                  RESIDUAL TIME   EXTERNALLY MANAGED
//   ca                      Mar 12, 2035 01:58 UTC   9y              no
//
// A missing file is listed as "!MISSING! <name>".

import { join } from 'node:path';
import { parseCert, type ParsedCert } from '../pki/certs.js';
import { readKubeconfig } from '../pki/kubeconfig.js';
import { DEFAULT_CERT_DIR, DEFAULT_KUBECONFIG_DIR } from './config.js';
import { DEFAULT_CERT_LIST } from './certs.js';
import { ADMIN_KUBECONFIG, CONTROLLER_MANAGER_KUBECONFIG, SCHEDULER_KUBECONFIG, SUPER_ADMIN_KUBECONFIG } from './kubeconfig.js';
import { certPath, exists, keyPath, splitPEMCerts, tryLoadCert } from './pkiutil.js';

export interface CheckExpirationOptions {
  /** --cert-dir (default /etc/kubernetes/pki). */
  certDir?: string;
  /** Where admin.conf & co. live (default /etc/kubernetes). */
  kubeconfigDir?: string;
  /** The clock (tests). */
  now?: Date;
}

/** One row (output.kubeadm.k8s.io/v1alpha3 Certificate). */
export interface CertificateExpiration {
  name: string;
  expirationDate?: Date;
  residualTimeSeconds?: number;
  /** Empty for CAs. */
  caName?: string;
  externallyManaged: boolean;
  missing: boolean;
}

export interface CertificateExpirationInfo {
  certificates: CertificateExpiration[];
  certificateAuthorities: CertificateExpiration[];
}

interface Handler {
  name: string;
  caName: string;
  caBaseName: string;
  read: () => Promise<ParsedCert>;
  exists: () => Promise<boolean>;
}

const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** The kubeconfig's current-context user's embedded client certificate (kubeConfigReadWriter.Read). */
async function readKubeconfigCert(path: string, certDir: string): Promise<ParsedCert> {
  let kc;
  try {
    kc = await readKubeconfig(path);
  } catch (e) {
    throw new Error(`failed to load kubeConfig file ${path}: ${(e as Error).message}`);
  }
  try {
    await tryLoadCert(certDir, 'ca');
  } catch (e) {
    throw new Error(`failed to load existing certificate ca.crt: ${(e as Error).message}`);
  }
  const ctx = kc.contexts.find((c) => c.name === kc['current-context']);
  if (!ctx) throw new Error(`invalid kubeConfig file ${path}: missing context ${kc['current-context']}`);
  const cluster = kc.clusters.find((c) => c.name === ctx.context.cluster);
  if (!cluster) throw new Error(`invalid kubeConfig file ${path}: missing cluster ${ctx.context.cluster}`);
  if (!cluster.cluster['certificate-authority-data']) throw new Error(`kubeConfig file ${path} does not have an embedded server certificate`);
  const user = kc.users.find((u) => u.name === ctx.context.user);
  if (!user) throw new Error(`invalid kubeConfig file ${path}: missing authInfo ${ctx.context.user}`);
  const data = user.user['client-certificate-data'];
  if (!data) throw new Error(`kubeConfig file ${path} does not have an embedded client certificate`);
  const pem = splitPEMCerts(Buffer.from(data, 'base64').toString('utf8'))[0];
  try {
    return parseCert(pem ?? '');
  } catch (e) {
    throw new Error(`kubeConfig file ${path} does not contain a valid client certificate: ${(e as Error).message}`);
  }
}

function handlers(certDir: string, kubeconfigDir: string): { certs: Handler[]; cas: Handler[] } {
  const certs: Handler[] = [];
  const cas: Handler[] = [];
  for (const spec of DEFAULT_CERT_LIST) {
    const h = {
      name: spec.name,
      read: async () => {
        try {
          return await tryLoadCert(certDir, spec.baseName);
        } catch (e) {
          throw new Error(`failed to load existing certificate ${spec.name}: ${(e as Error).message}`);
        }
      },
      exists: () => exists(certPath(certDir, spec.baseName)),
    };
    if (!spec.caName) {
      cas.push({ ...h, caName: '', caBaseName: spec.baseName });
    } else {
      const ca = DEFAULT_CERT_LIST.find((c) => c.name === spec.caName)!;
      certs.push({ ...h, caName: ca.name, caBaseName: ca.baseName });
    }
  }
  for (const file of [ADMIN_KUBECONFIG, SUPER_ADMIN_KUBECONFIG, CONTROLLER_MANAGER_KUBECONFIG, SCHEDULER_KUBECONFIG]) {
    const path = join(kubeconfigDir, file);
    certs.push({ name: file, caName: 'ca', caBaseName: 'ca', read: () => readKubeconfigCert(path, certDir), exists: () => exists(path) });
  }
  return { certs: certs.sort(byName), cas: cas.sort(byName) };
}

/** A CA is externally managed when its certificate is present without its key. */
async function externallyManaged(certDir: string, caBaseName: string): Promise<boolean> {
  return (await exists(certPath(certDir, caBaseName))) && !(await exists(keyPath(certDir, caBaseName)));
}

/** Gather the expiration info (what `check-expiration -o yaml` would show). */
export async function checkExpiration(opts: CheckExpirationOptions = {}): Promise<CertificateExpirationInfo> {
  const certDir = opts.certDir || DEFAULT_CERT_DIR;
  const kubeconfigDir = opts.kubeconfigDir || DEFAULT_KUBECONFIG_DIR;
  const now = opts.now ?? new Date();
  const { certs, cas } = handlers(certDir, kubeconfigDir);
  const row = async (h: Handler, withCA: boolean): Promise<CertificateExpiration> => {
    if (!(await h.exists())) return { name: h.name, externallyManaged: false, missing: true };
    const ext = await externallyManaged(certDir, h.caBaseName);
    const cert = await h.read();
    const r: CertificateExpiration = {
      name: h.name,
      expirationDate: cert.notAfter,
      residualTimeSeconds: Math.trunc((cert.notAfter.getTime() - now.getTime()) / 1000),
      externallyManaged: ext,
      missing: false,
    };
    if (withCA) r.caName = h.caName;
    return r;
  };
  const info: CertificateExpirationInfo = { certificates: [], certificateAuthorities: [] };
  for (const h of certs) info.certificates.push(await row(h, true));
  for (const h of cas) info.certificateAuthorities.push(await row(h, false));
  return info;
}

// ---------------------------------------------------------------- formatting

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Go's time.Format("Jan 02, 2006 15:04 MST") in UTC. */
export function formatExpiry(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${MONTHS[d.getUTCMonth()]} ${p(d.getUTCDate())}, ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())} UTC`;
}

/** apimachinery's duration.ShortHumanDuration for a number of seconds. */
export function shortHumanDuration(seconds: number): string {
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.trunc(seconds / 3600);
  if (hours < 24) return `${hours}h`;
  if (hours < 24 * 365) return `${Math.trunc(hours / 24)}d`;
  return `${Math.trunc(seconds / 3600 / 24 / 365)}y`;
}

/**
 * Go's text/tabwriter with padchar ' ' and no flags: cells are tab-terminated, the last cell
 * of a line is not part of a column, and a column's width (max cell width + padding, at
 * least minwidth) is computed over each block of consecutive lines that have that column.
 */
export function tabwrite(text: string, minwidth = 10, padding = 3): string {
  const lines = text.split('\n');
  const trailingNewline = text.endsWith('\n');
  if (trailingNewline) lines.pop();
  const cells = lines.map((l) => l.split('\t'));
  const widths: number[][] = cells.map(() => []);

  const format = (line0: number, line1: number, column: number): void => {
    let i = line0;
    while (i < line1) {
      if (column >= cells[i].length - 1) {
        i++;
        continue;
      }
      const start = i;
      let width = minwidth;
      for (; i < line1 && column < cells[i].length - 1; i++) {
        width = Math.max(width, [...cells[i][column]].length + padding);
      }
      for (let j = start; j < i; j++) widths[j][column] = width;
      format(start, i, column + 1);
    }
  };
  format(0, cells.length, 0);

  const out = cells.map((row, i) =>
    row
      .map((c, j) => {
        const w = widths[i][j];
        return w === undefined ? c : c + ' '.repeat(Math.max(0, w - [...c].length));
      })
      .join(''),
  );
  return out.join('\n') + (trailingNewline ? '\n' : '');
}

/** The text printer's output (certTextPrinter.PrintObj). */
export function formatExpirationTable(info: CertificateExpirationInfo): string {
  const yesNo = (b: boolean) => (b ? 'yes' : 'no').padEnd(8);
  let s = 'CERTIFICATE\tEXPIRES\tRESIDUAL TIME\tCERTIFICATE AUTHORITY\tEXTERNALLY MANAGED\n';
  for (const c of info.certificates) {
    if (c.missing) {
      s += `!MISSING! ${c.name}\t\t\t\t\n`;
      continue;
    }
    s += `${c.name}\t${formatExpiry(c.expirationDate!)}\t${shortHumanDuration(c.residualTimeSeconds!)}\t${c.caName ?? ''}\t${yesNo(c.externallyManaged)}\n`;
  }
  s += '\n';
  s += 'CERTIFICATE AUTHORITY\tEXPIRES\tRESIDUAL TIME\tEXTERNALLY MANAGED\n';
  for (const c of info.certificateAuthorities) {
    if (c.missing) {
      s += `!MISSING! ${c.name}\t\t\t\n`;
      continue;
    }
    s += `${c.name}\t${formatExpiry(c.expirationDate!)}\t${shortHumanDuration(c.residualTimeSeconds!)}\t${yesNo(c.externallyManaged)}\n`;
  }
  return tabwrite(s);
}
