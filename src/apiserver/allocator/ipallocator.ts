// Service ClusterIP allocation from --service-cluster-ip-range (IPv4 or IPv6), persisted as
// the RangeAllocation at <prefix>/ranges/serviceips. Owns CIDR parsing and the mapping
// IP <-> bitmap index. As upstream's bitmap allocator: the network address is never
// allocatable (nor, for IPv4, the broadcast address); IPv6 ranges are capped at 65536
// addresses; index 0 (the first IP, e.g. 10.32.0.1) is what the kubernetes Service asks for
// explicitly; dynamic allocations prefer the upper band above
// min(max(16, cidrSize/16), 256), keeping the lower band for static requests.

import type { Store } from '../../storage/types.js';
import { AllocationError, ERR_FULL_MESSAGE, StoreRangeAllocator, rangeKey } from './rangeallocator.js';
import type { Bitmap } from './rangeallocator.js';

export type IPFamily = 'IPv4' | 'IPv6';

export interface ParsedCIDR {
  family: IPFamily;
  /** Network address as an integer. */
  network: bigint;
  prefixLength: number;
  /** Canonical text, e.g. "10.32.0.0/24" (host bits cleared). */
  text: string;
}

const V4_MAX = (1n << 32n) - 1n;
const V6_MAX = (1n << 128n) - 1n;

/** Integer value and family of an IP address text; undefined if it is not one. */
export function parseIP(s: string): { family: IPFamily; value: bigint } | undefined {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(s)) {
    const parts = s.split('.');
    // Go's net.ParseIP rejects leading zeros ("010.0.0.1").
    if (parts.some((p) => p.length > 1 && p[0] === '0')) return undefined;
    const nums = parts.map(Number);
    if (nums.some((n) => n > 255)) return undefined;
    return { family: 'IPv4', value: (BigInt(nums[0]) << 24n) | (BigInt(nums[1]) << 16n) | (BigInt(nums[2]) << 8n) | BigInt(nums[3]) };
  }
  if (!s.includes(':') || !/^[0-9a-fA-F:.]+$/.test(s)) return undefined;
  let head = s;
  let tail: bigint | undefined;
  const lastColon = s.lastIndexOf(':');
  const last = s.slice(lastColon + 1);
  if (last.includes('.')) {
    const v4 = parseIP(last);
    if (!v4 || v4.family !== 'IPv4') return undefined;
    tail = v4.value;
    head = s.slice(0, lastColon + 1) + '0:0';
  }
  const dbl = head.indexOf('::');
  if (dbl !== head.lastIndexOf('::')) return undefined;
  let groups: string[];
  if (dbl >= 0) {
    const a = head.slice(0, dbl);
    const b = head.slice(dbl + 2);
    const ga = a ? a.split(':') : [];
    const gb = b ? b.split(':') : [];
    if (ga.length + gb.length > 7) return undefined;
    groups = [...ga, ...Array<string>(8 - ga.length - gb.length).fill('0'), ...gb];
  } else {
    groups = head.split(':');
    if (groups.length !== 8) return undefined;
  }
  let v = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    v = (v << 16n) | BigInt(parseInt(g, 16));
  }
  if (tail !== undefined) v = (v & ~0xffffffffn) | tail;
  return { family: 'IPv6', value: v };
}

/** Text of an IP integer: dotted quad, or RFC 5952 compressed lower-case IPv6. */
export function formatIP(family: IPFamily, v: bigint): string {
  if (family === 'IPv4') return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 0xffn)).join('.');
  const g: number[] = [];
  for (let i = 7; i >= 0; i--) g.push(Number((v >> BigInt(i * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (bestLen < 2) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** Parse "10.32.0.0/24" / "fd00::/108" (host bits are cleared, as Go's net.ParseCIDR). */
export function parseCIDR(s: string): ParsedCIDR {
  const slash = s.indexOf('/');
  const ip = slash < 0 ? undefined : parseIP(s.slice(0, slash).trim());
  const lenText = slash < 0 ? '' : s.slice(slash + 1).trim();
  const bits = ip?.family === 'IPv6' ? 128 : 32;
  if (!ip || !/^\d{1,3}$/.test(lenText) || Number(lenText) > bits) throw new Error(`invalid CIDR address: ${s}`);
  const prefixLength = Number(lenText);
  const max = ip.family === 'IPv6' ? V6_MAX : V4_MAX;
  const hostBits = BigInt(bits - prefixLength);
  const network = ip.value & (max ^ ((1n << hostBits) - 1n));
  return { family: ip.family, network, prefixLength, text: `${formatIP(ip.family, network)}/${prefixLength}` };
}

/** Number of addresses in the CIDR (upstream's RangeSize: 0 for /31, /32, /127, /128). */
function cidrRangeSize(c: ParsedCIDR): bigint {
  const hostBits = (c.family === 'IPv6' ? 128 : 32) - c.prefixLength;
  if (hostBits <= 1) return 0n;
  return 1n << BigInt(hostBits);
}

interface IPRange {
  cidr: ParsedCIDR;
  /** First allocatable address (network + 1). */
  base: bigint;
  size: number;
  offset: number;
}

function ipRange(cidrText: string): IPRange {
  const cidr = parseCIDR(cidrText);
  const rangeSize = cidrRangeSize(cidr);
  let max = rangeSize;
  if (cidr.family === 'IPv6') {
    if (max > 65536n) max = 65536n; // the bitmap is capped at 2^16 items
  } else {
    max -= 1n; // never the broadcast address
  }
  max -= 1n; // never the network address
  if (max < 1n) throw new Error(`the service cluster IP range ${cidr.text} is too small`);
  // upstream's static/dynamic split: min(max(16, rangeSize/16), 256), 0 for tiny ranges
  let offset = 0n;
  if (rangeSize >= 16n) {
    offset = rangeSize / 16n;
    if (offset < 16n) offset = 16n;
    if (offset > 256n) offset = 256n;
  }
  return { cidr, base: cidr.network + 1n, size: Number(max), offset: Number(offset) };
}

/** The first usable IP of a service CIDR: the kubernetes Service's ClusterIP (e.g. 10.32.0.1). */
export function firstServiceIP(cidr: string): string {
  const r = ipRange(cidr);
  return formatIP(r.cidr.family, r.base);
}

export interface ServiceIPAllocatorOptions {
  store: Store;
  /** --service-cluster-ip-range, e.g. "10.32.0.0/24". */
  cidr: string;
  /** Storage key prefix. Default "/registry". */
  prefix?: string;
  /** Full key override (default `${prefix}/ranges/serviceips`). */
  key?: string;
}

export class ServiceIPAllocator {
  /** Canonical CIDR text, e.g. "10.32.0.0/24". */
  readonly cidr: string;
  readonly family: IPFamily;
  /** Number of allocatable addresses. */
  readonly size: number;
  readonly key: string;
  private readonly range: IPRange;
  private readonly core: StoreRangeAllocator;

  constructor(opts: ServiceIPAllocatorOptions) {
    this.range = ipRange(opts.cidr);
    this.cidr = this.range.cidr.text;
    this.family = this.range.cidr.family;
    this.size = this.range.size;
    this.key = opts.key ?? rangeKey(opts.prefix ?? '/registry', 'serviceips');
    this.core = new StoreRangeAllocator(
      opts.store,
      this.key,
      {
        range: this.cidr,
        size: this.size,
        offset: this.range.offset,
        mapForeign: (stored) => {
          let other: IPRange;
          try {
            other = ipRange(stored);
          } catch {
            return undefined;
          }
          if (other.cidr.family !== this.family) return undefined;
          return (i) => this.indexOf(other.base + BigInt(i));
        },
      },
      { allocated: () => new AllocationError('Allocated', 'provided IP is already allocated'), full: () => new AllocationError('Full', ERR_FULL_MESSAGE) },
    );
  }

  /** The first allocatable IP (the kubernetes Service's). */
  firstIP(): string {
    return formatIP(this.family, this.range.base);
  }

  /** Whether ip is an allocatable address of this range. */
  contains(ip: string): boolean {
    const p = parseIP(ip);
    return !!p && p.family === this.family && this.indexOf(p.value) !== undefined;
  }

  private indexOf(v: bigint): number | undefined {
    const d = v - this.range.base;
    return d >= 0n && d < BigInt(this.size) ? Number(d) : undefined;
  }

  private indexOrThrow(ip: string): number {
    const p = parseIP(ip);
    const i = p && p.family === this.family ? this.indexOf(p.value) : undefined;
    if (i === undefined) {
      throw new AllocationError('NotInRange', `the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${this.cidr}`);
    }
    return i;
  }

  private ipAt(i: number): string {
    return formatIP(this.family, this.range.base + BigInt(i));
  }

  /** Claim a specific IP. Throws AllocationError (NotInRange / Allocated). */
  async allocate(ip: string): Promise<void> {
    await this.core.allocate(this.indexOrThrow(ip));
  }

  /** Claim a free IP. Throws AllocationError('Full') when none is left. */
  async allocateNext(): Promise<string> {
    return this.ipAt(await this.core.allocateNext());
  }

  /** Free an IP; no-op if it is free or outside the range (as upstream). */
  async release(ip: string): Promise<void> {
    const p = parseIP(ip);
    const i = p && p.family === this.family ? this.indexOf(p.value) : undefined;
    if (i === undefined) return;
    await this.core.release(i);
  }

  /** Whether the IP is allocated (reads the store). */
  async has(ip: string): Promise<boolean> {
    const p = parseIP(ip);
    const i = p && p.family === this.family ? this.indexOf(p.value) : undefined;
    return i === undefined ? false : this.core.has(i);
  }

  /** All allocated IPs, ascending. */
  async allocated(): Promise<string[]> {
    return (await this.core.allocatedIndices()).map((i) => this.ipAt(i));
  }

  async used(): Promise<number> {
    return this.core.used();
  }

  async free(): Promise<number> {
    return this.size - (await this.core.used());
  }

  /** Re-read the stored state. */
  sync(): Promise<void> {
    return this.core.sync();
  }

  /** The bitmap index of an allocatable IP of this range (undefined otherwise), for repair. */
  indexOfIP(ip: string): number | undefined {
    const p = parseIP(ip);
    return p && p.family === this.family ? this.indexOf(p.value) : undefined;
  }

  /** The IP at a bitmap index. */
  ipAtIndex(i: number): string {
    return this.ipAt(i);
  }

  /** Replace the stored bitmap with fn(stored) (see StoreRangeAllocator.reconcile). */
  reconcile(fn: (stored: Bitmap) => Bitmap): Promise<void> {
    return this.core.reconcile(fn);
  }
}
