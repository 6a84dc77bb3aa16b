// CIDR arithmetic for node IPAM (upstream's nodeipam/ipam/cidrset): a cluster CIDR cut into
// equal node subnets of `nodeMaskSize` bits, a bitmap of the used ones and the round-robin
// candidate pointer upstream uses (a released range is handed out again once the pointer wraps,
// or first after a restart, when the pointer starts at 0).

import { isIP } from 'node:net';

export interface ParsedCIDR {
  family: 4 | 6;
  /** the network address as an integer (host bits cleared) */
  base: bigint;
  prefix: number;
}

function ipToBigInt(ip: string): { family: 4 | 6; value: bigint } {
  const fam = isIP(ip);
  if (fam === 4) return { family: 4, value: ip.split('.').reduce((acc, p) => (acc << 8n) | BigInt(Number(p)), 0n) };
  if (fam === 6) {
    let s = ip;
    // an embedded IPv4 tail (::ffff:1.2.3.4)
    const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
    if (v4) {
      const n = ipToBigInt(v4[1]!).value;
      s = s.slice(0, -v4[1]!.length) + `${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
    }
    const [head, tail] = s.includes('::') ? s.split('::') : [s, undefined];
    const h = head ? head.split(':') : [];
    const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
    const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
    return { family: 6, value: groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g || '0', 16)), 0n) };
  }
  throw new Error(`invalid IP address: ${ip}`);
}

export function bigIntToIP(v: bigint, family: 4 | 6): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 0xffn)).join('.');
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((v >> BigInt(i * 16)) & 0xffffn).toString(16));
  // compress the longest run of zero groups (RFC 5952)
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen && j - i > 1) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

/** Parse "a.b.c.d/n" or "x::/n" (Go's net.ParseCIDR: host bits are masked off). */
export function parseCIDR(cidr: string): ParsedCIDR {
  const slash = cidr.indexOf('/');
  if (slash < 0) throw new Error(`invalid CIDR address: ${cidr}`);
  const { family, value } = ipToBigInt(cidr.slice(0, slash));
  const bits = family === 4 ? 32 : 128;
  const prefix = Number(cidr.slice(slash + 1));
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > bits || !/^\d+$/.test(cidr.slice(slash + 1))) throw new Error(`invalid CIDR address: ${cidr}`);
  const hostBits = BigInt(bits - prefix);
  return { family, base: (value >> hostBits) << hostBits, prefix };
}

export function formatCIDR(c: ParsedCIDR): string {
  return `${bigIntToIP(c.base, c.family)}/${c.prefix}`;
}

function totalBits(f: 4 | 6): number {
  return f === 4 ? 32 : 128;
}

/** True when the two CIDRs share an address. */
export function cidrsOverlap(a: ParsedCIDR, b: ParsedCIDR): boolean {
  if (a.family !== b.family) return false;
  const p = Math.min(a.prefix, b.prefix);
  const shift = BigInt(totalBits(a.family) - p);
  return a.base >> shift === b.base >> shift;
}

/** Upstream's clusterSubnetMaxDiff: at most 2^16 node subnets per cluster CIDR. */
const MAX_SUBNET_DIFF = 16;

export class CIDRRangeNoCIDRsRemainingError extends Error {
  constructor() {
    super('CIDR allocation failed; there are no remaining CIDRs left to allocate in the accepted range');
  }
}

export class CidrSet {
  readonly cluster: ParsedCIDR;
  readonly nodeMaskSize: number;
  readonly maxCIDRs: number;
  private used = new Set<number>();
  private nextCandidate = 0;

  constructor(clusterCIDR: string, nodeMaskSize: number) {
    this.cluster = parseCIDR(clusterCIDR);
    const bits = totalBits(this.cluster.family);
    if (nodeMaskSize < this.cluster.prefix || nodeMaskSize > bits) throw new Error(`invalid node CIDR mask size ${nodeMaskSize} for cluster CIDR ${clusterCIDR}`);
    if (nodeMaskSize - this.cluster.prefix > MAX_SUBNET_DIFF) throw new Error('CIDRSet Subnet mask size is too big');
    this.nodeMaskSize = nodeMaskSize;
    this.maxCIDRs = 2 ** (nodeMaskSize - this.cluster.prefix);
  }

  get family(): 4 | 6 {
    return this.cluster.family;
  }

  /** Number of subnets in use. */
  get allocatedCount(): number {
    return this.used.size;
  }

  private indexToCIDR(i: number): string {
    const shift = BigInt(totalBits(this.family) - this.nodeMaskSize);
    return formatCIDR({ family: this.family, base: this.cluster.base | (BigInt(i) << shift), prefix: this.nodeMaskSize });
  }

  /** The node-subnet indexes [begin, end] a CIDR covers (clipped to this set), or undefined when outside. */
  private indexRange(cidr: string): [number, number] | undefined {
    const c = parseCIDR(cidr);
    if (c.family !== this.family || !cidrsOverlap(c, this.cluster)) return undefined;
    const bits = totalBits(this.family);
    const clusterShift = BigInt(bits - this.cluster.prefix);
    const nodeShift = BigInt(bits - this.nodeMaskSize);
    const mask = (1n << clusterShift) - 1n;
    if (c.prefix < this.cluster.prefix) return [0, this.maxCIDRs - 1];
    const first = Number((c.base & mask) >> nodeShift);
    if (c.prefix >= this.nodeMaskSize) return [first, first];
    const last = c.base | ((1n << BigInt(bits - c.prefix)) - 1n);
    return [first, Number((last & mask) >> nodeShift)];
  }

  /** AllocateNext: the next free subnet after the last one handed out. */
  allocateNext(): string {
    for (let n = 0; n < this.maxCIDRs; n++) {
      const i = (this.nextCandidate + n) % this.maxCIDRs;
      if (!this.used.has(i)) {
        this.used.add(i);
        this.nextCandidate = (i + 1) % this.maxCIDRs;
        return this.indexToCIDR(i);
      }
    }
    throw new CIDRRangeNoCIDRsRemainingError();
  }

  /** Mark every subnet the CIDR covers as used (a node's existing range, the service range). */
  occupy(cidr: string): void {
    const r = this.indexRange(cidr);
    if (!r) throw new Error(`cidr ${cidr} is out the range of cluster cidr ${formatCIDR(this.cluster)}`);
    for (let i = r[0]; i <= r[1]; i++) this.used.add(i);
  }

  release(cidr: string): void {
    const r = this.indexRange(cidr);
    if (!r) throw new Error(`cidr ${cidr} is out the range of cluster cidr ${formatCIDR(this.cluster)}`);
    for (let i = r[0]; i <= r[1]; i++) this.used.delete(i);
  }

  contains(cidr: string): boolean {
    try {
      const c = parseCIDR(cidr);
      return c.family === this.family && c.prefix >= this.cluster.prefix && cidrsOverlap(c, this.cluster);
    } catch {
      return false;
    }
  }
}
