// Kubernetes' CEL IP and CIDR libraries: ip(), isIP(), cidr(), isCIDR() and the IP / CIDR
// methods (family, loopback/unicast checks, containsIP, containsCIDR, masked, prefixLength),
// over the API server's IP parsing (Go's rules: no leading zeros, IPv6 compressed form).
import type { Environment } from '@marcbachmann/cel-js';
import { formatIP, parseIP, type IPFamily } from '../../apiserver/allocator/ipallocator.js';

export class CelIP {
  constructor(readonly family: IPFamily, readonly value: bigint) {}
  get bits(): number {
    return this.family === 'IPv4' ? 32 : 128;
  }
  toString(): string {
    return formatIP(this.family, this.value);
  }
}

export class CelCIDR {
  constructor(readonly ip: CelIP, readonly prefixLength: number) {}
  network(): bigint {
    const host = BigInt(this.ip.bits - this.prefixLength);
    return (this.ip.value >> host) << host;
  }
  contains(ip: CelIP): boolean {
    if (ip.family !== this.ip.family) return false;
    const host = BigInt(this.ip.bits - this.prefixLength);
    return ip.value >> host === this.ip.value >> host;
  }
  toString(): string {
    return `${this.ip}/${this.prefixLength}`;
  }
}

function toIP(s: string): CelIP | undefined {
  if (s.includes('%')) return undefined; // zones are not allowed
  const p = parseIP(s);
  if (!p) return undefined;
  // IPv4-mapped IPv6 addresses are not allowed
  if (p.family === 'IPv6' && p.value >> 32n === 0xffffn) return undefined;
  return new CelIP(p.family, p.value);
}

function toCIDR(s: string): CelCIDR | undefined {
  const i = s.indexOf('/');
  if (i < 0) return undefined;
  const ip = toIP(s.slice(0, i));
  const len = s.slice(i + 1);
  if (!ip || !/^\d{1,3}$/.test(len) || Number(len) > ip.bits) return undefined;
  return new CelCIDR(ip, Number(len));
}

function mustIP(s: string): CelIP {
  const ip = toIP(s);
  if (!ip) throw new Error(`IP Address ${JSON.stringify(s)} parse error during conversion from string: ParseAddr(${JSON.stringify(s)}): unable to parse IP`);
  return ip;
}

function mustCIDR(s: string): CelCIDR {
  const c = toCIDR(s);
  if (!c) throw new Error(`network address parse error during conversion from string: network address ${JSON.stringify(s)}: invalid prefix`);
  return c;
}

function inRange(ip: CelIP, v4: [bigint, number] | undefined, v6: [bigint, number] | undefined): boolean {
  const r = ip.family === 'IPv4' ? v4 : v6;
  if (!r) return false;
  const host = BigInt(ip.bits - r[1]);
  return ip.value >> host === r[0] >> host;
}

export function registerIP(env: Environment): void {
  env.registerType('net.IP', CelIP);
  env.registerType('net.CIDR', CelCIDR);
  env.registerFunction('ip(string): net.IP', (s: string) => mustIP(s));
  env.registerFunction('isIP(string): bool', (s: string) => toIP(s) !== undefined);
  env.registerFunction('net.IP.family(): int', (ip: CelIP) => (ip.family === 'IPv4' ? 4n : 6n));
  env.registerFunction('net.IP.isUnspecified(): bool', (ip: CelIP) => ip.value === 0n);
  env.registerFunction('net.IP.isLoopback(): bool', (ip: CelIP) => inRange(ip, [0x7f000000n, 8], [1n, 128]));
  env.registerFunction('net.IP.isLinkLocalMulticast(): bool', (ip: CelIP) => inRange(ip, [0xe0000000n, 24], [0xff02n << 112n, 16]));
  env.registerFunction('net.IP.isLinkLocalUnicast(): bool', (ip: CelIP) => inRange(ip, [0xa9fe0000n, 16], [0xfe80n << 112n, 10]));
  env.registerFunction('net.IP.isGlobalUnicast(): bool', (ip: CelIP) => {
    if (ip.value === 0n || inRange(ip, [0x7f000000n, 8], [1n, 128])) return false;
    if (ip.family === 'IPv4' && (ip.value === 0xffffffffn || inRange(ip, [0xe0000000n, 4], undefined))) return false;
    if (ip.family === 'IPv6' && inRange(ip, undefined, [0xffn << 120n, 8])) return false;
    return !inRange(ip, [0xa9fe0000n, 16], [0xfe80n << 112n, 10]);
  });
  env.registerFunction('net.IP.string(): string', (ip: CelIP) => ip.toString());
  env.registerFunction('string(net.IP): string', (ip: CelIP) => ip.toString());
  env.registerOperator('net.IP == net.IP', (a: CelIP, b: CelIP) => a.family === b.family && a.value === b.value);
  env.registerFunction('cidr(string): net.CIDR', (s: string) => mustCIDR(s));
  env.registerFunction('isCIDR(string): bool', (s: string) => toCIDR(s) !== undefined);
  env.registerFunction('net.CIDR.containsIP(net.IP): bool', (c: CelCIDR, ip: CelIP) => c.contains(ip));
  env.registerFunction('net.CIDR.containsIP(string): bool', (c: CelCIDR, s: string) => c.contains(mustIP(s)));
  const containsCIDR = (c: CelCIDR, o: CelCIDR): boolean => o.prefixLength >= c.prefixLength && c.contains(o.ip);
  env.registerFunction('net.CIDR.containsCIDR(net.CIDR): bool', containsCIDR);
  env.registerFunction('net.CIDR.containsCIDR(string): bool', (c: CelCIDR, s: string) => containsCIDR(c, mustCIDR(s)));
  env.registerFunction('net.CIDR.ip(): net.IP', (c: CelCIDR) => c.ip);
  env.registerFunction('net.CIDR.masked(): net.CIDR', (c: CelCIDR) => new CelCIDR(new CelIP(c.ip.family, c.network()), c.prefixLength));
  env.registerFunction('net.CIDR.prefixLength(): int', (c: CelCIDR) => BigInt(c.prefixLength));
  env.registerFunction('net.CIDR.string(): string', (c: CelCIDR) => c.toString());
  env.registerFunction('string(net.CIDR): string', (c: CelCIDR) => c.toString());
  env.registerOperator('net.CIDR == net.CIDR', (a: CelCIDR, b: CelCIDR) => a.prefixLength === b.prefixLength && a.ip.family === b.ip.family && a.ip.value === b.ip.value);
}
