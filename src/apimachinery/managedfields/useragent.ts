// The manager name of a write that names none: the User-Agent up to its first "/", without
// unprintable characters and cut at 128 bytes (upstream's prefixFromUserAgent).

const MAX = 128;

export function managerFromUserAgent(ua: string | undefined): string {
  const prefix = (ua ?? '').split('/')[0];
  let out = '';
  let bytes = 0;
  for (const ch of prefix) {
    if (!/[\p{L}\p{M}\p{N}\p{P}\p{S} ]/u.test(ch)) continue;
    const n = Buffer.byteLength(ch);
    if (bytes + n > MAX) break;
    out += ch;
    bytes += n;
  }
  return out;
}
