// The Kubernetes WebSocket channel protocols (apimachinery wsstream, KEP-4006): every binary
// message starts with a channel byte — 0 stdin, 1 stdout, 2 stderr, 3 error (a metav1.Status in
// v4/v5), 4 resize ({"Width":…,"Height":…}); v5 adds 255 "close": [255, n] half-closes channel n.

export const CHANNEL_V5 = 'v5.channel.k8s.io';
export const CHANNEL_V4 = 'v4.channel.k8s.io';
/** Exec/attach sub-protocols this side speaks, most preferred first. */
export const CHANNEL_PROTOCOLS = [CHANNEL_V5, CHANNEL_V4];

/** Port-forward over WebSocket: SPDY/3.1 frames tunnelled in binary messages (KEP-4006). */
export const SPDY_TUNNEL_PORTFORWARD = 'SPDY/3.1+portforward.k8s.io';

export const Channel = { STDIN: 0, STDOUT: 1, STDERR: 2, ERROR: 3, RESIZE: 4, CLOSE: 255 } as const;

/** One message: the channel byte then the data. */
export function encodeChannelMessage(channel: number, data: Buffer | string): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data) : data;
  return Buffer.concat([Buffer.from([channel]), body]);
}

/** The v5 message that closes a channel (no more data will be sent on it). */
export function encodeCloseMessage(channel: number): Buffer {
  return Buffer.from([Channel.CLOSE, channel]);
}

export type ChannelMessage = { kind: 'data'; channel: number; data: Buffer } | { kind: 'close'; channel: number } | { kind: 'empty' };

/** Splits a received message; `close` only exists in v5 (in v4, 255 is just a channel number). */
export function decodeChannelMessage(msg: Buffer, protocol: string): ChannelMessage {
  if (msg.length === 0) return { kind: 'empty' };
  const channel = msg[0]!;
  if (channel === Channel.CLOSE && protocol === CHANNEL_V5) {
    if (msg.length < 2) return { kind: 'empty' };
    return { kind: 'close', channel: msg[1]! };
  }
  return { kind: 'data', channel, data: msg.subarray(1) };
}
