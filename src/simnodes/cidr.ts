// IP ranges of simulated nodes, on top of the API server's IP parsing (allocator/ipallocator):
// the i-th subnet or host of a range (node InternalIPs, the fallback per-node pod ranges) and
// a small per-node pod IP allocator (host-local style: the network address and the first host,
// the gateway, are never handed out; the IPv4 broadcast address neither).
import { formatIP, parseCIDR, parseIP } from '../apiserver/allocator/ipallocator.js';
import type { ParsedCIDR } from '../apiserver/allocator/ipallocator.js';

export type Cidr = ParsedCIDR;

const bitsOf = (c: Cidr) => (c.family === 'IPv4' ? 32 : 128);

/** The range, or undefined when the text is not a CIDR. */
export function parseCidr(s: string): Cidr | undefined {
  try {
    return parseCIDR(s);
  } catch {
    return undefined;
  }
}

/** Number of addresses of the range (a bigint: IPv6 ranges are huge). */
export function cidrSize(c: Cidr): bigint {
  return 1n << BigInt(bitsOf(c) - c.prefixLength);
}

export function cidrContains(c: Cidr, ip: string): boolean {
  const p = parseIP(ip);
  if (!p || p.family !== c.family) return false;
  const hostBits = BigInt(bitsOf(c) - c.prefixLength);
  return p.value >> hostBits === c.network >> hostBits;
}

/** The index-th subnet of size /newPrefix inside the range; undefined when it does not fit. */
export function subnet(c: Cidr, newPrefix: number, index: number): Cidr | undefined {
  if (newPrefix < c.prefixLength || newPrefix > bitsOf(c) || index < 0) return undefined;
  if (BigInt(index) >= 1n << BigInt(newPrefix - c.prefixLength)) return undefined;
  const network = c.network + (BigInt(index) << BigInt(bitsOf(c) - newPrefix));
  return { family: c.family, network, prefixLength: newPrefix, text: `${formatIP(c.family, network)}/${newPrefix}` };
}

/** The address at offset inside the range; undefined when it is outside. */
export function hostAt(c: Cidr, offset: number): string | undefined {
  if (offset < 0 || BigInt(offset) >= cidrSize(c)) return undefined;
  return formatIP(c.family, c.network + BigInt(offset));
}

/** Pod IPs of one node's range: offsets 2.. (the IPv4 broadcast excluded), round robin from the last one given. */
export class PodIPAllocator {
  private readonly used = new Set<number>();
  private next = 2;
  /** offsets [2, limit) are handed out */
  private readonly limit: number;

  constructor(readonly cidr: Cidr) {
    const size = cidrSize(cidr);
    const cap = 1n << 20n; // never more than a million pods per node
    const usable = size > cap ? cap : cidr.family === 'IPv4' ? size - 1n : size;
    this.limit = Number(usable);
  }

  /** How many addresses may be handed out in total. */
  capacity(): number {
    return Math.max(0, this.limit - 2);
  }

  inUse(): number {
    return this.used.size;
  }

  private offsetOf(ip: string): number | undefined {
    if (!cidrContains(this.cidr, ip)) return undefined;
    const off = Number(parseIP(ip)!.value - this.cidr.network);
    return off >= 2 && off < this.limit ? off : undefined;
  }

  /** A free address, or undefined when the range is exhausted. */
  allocate(): string | undefined {
    const n = this.capacity();
    for (let i = 0; i < n; i++) {
      const off = this.next;
      this.next = off + 1 >= this.limit ? 2 : off + 1;
      if (!this.used.has(off)) {
        this.used.add(off);
        return formatIP(this.cidr.family, this.cidr.network + BigInt(off));
      }
    }
    return undefined;
  }

  /** Mark an address (e.g. a pod's from before a restart) as taken; false when outside the range or taken. */
  reserve(ip: string): boolean {
    const off = this.offsetOf(ip);
    if (off === undefined || this.used.has(off)) return false;
    this.used.add(off);
    return true;
  }

  release(ip: string): void {
    const off = this.offsetOf(ip);
    if (off !== undefined) this.used.delete(off);
  }
}
