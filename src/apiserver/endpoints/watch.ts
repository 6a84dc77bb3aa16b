// Watch: a streaming response of {"type","object"} JSON lines served from the watch cache,
// with upstream's resourceVersion semantics ("" / "0": current state first; N: changes after
// N; too old: 410), bookmarks, sendInitialEvents, timeoutSeconds and Table output.

import { StatusError, badRequest } from '../../apimachinery/errors.js';
import { PROTOBUF_WATCH_CONTENT_TYPE, encodeWatchEventFrame } from '../../apimachinery/protobuf/index.js';
import type { ResourceDef } from '../registry/types.js';
import type { ApiContext } from './context.js';
import { cacheFor, predicateFrom } from './context.js';
import type { Negotiated, Req, Res } from '../http.js';
import { gvString, invalidListOptions, parseRV, toServed } from './read.js';
import { parseIncludeObject, partialObject, tableDef, tableRow } from '../table.js';
import type { CacheEntry, WatchEventType } from '../storage/watchcache.js';
import type { ServerHttp2Stream } from 'node:http2';

/** Upstream's --min-request-timeout default: watches last 30–60 minutes unless asked. */
const MIN_REQUEST_TIMEOUT_S = 1800;
const BOOKMARK_INTERVAL_MS = 60_000;
const MAX_BUFFERED = 32 * 1024 * 1024;

/**
 * The JSON watch line of (type, entry), encoded once: the cache hands the same entry to every
 * watcher of an event in one synchronous loop, so a one-entry memo serves a whole fan-out.
 */
let memoEntry: CacheEntry | undefined;
let memoLines: { [t in WatchEventType]?: Buffer } = {};
export function jsonEventLine(type: WatchEventType, e: CacheEntry): Buffer {
  if (memoEntry !== e) {
    memoEntry = e;
    memoLines = {};
  }
  return (memoLines[type] ??= Buffer.from(`{"type":"${type}","object":${e.raw}}\n`));
}

export async function handleWatch(ctx: ApiContext, def: ResourceDef, namespace: string, query: URLSearchParams, neg: Negotiated, req: Req, res: Res): Promise<void> {
  const pred = predicateFrom(def, query);
  const rvParam = query.get('resourceVersion') ?? '';
  const rv = parseRV(rvParam);
  const bookmarks = query.get('allowWatchBookmarks') === 'true';
  const sendInitialParam = query.get('sendInitialEvents');
  const match = query.get('resourceVersionMatch') ?? '';
  let timeoutS = MIN_REQUEST_TIMEOUT_S * (1 + Math.random());
  const t = query.get('timeoutSeconds');
  if (t !== null && t !== '') {
    if (!/^\d+$/.test(t)) throw badRequest(`invalid timeoutSeconds: "${t}"`);
    timeoutS = Number(t);
  }
  let sendInitial = false;
  if (sendInitialParam !== null) {
    sendInitial = sendInitialParam === 'true';
    if (match !== 'NotOlderThan') {
      throw invalidListOptions('sendInitialEvents: Forbidden: sendInitialEvents is forbidden for watch unless resourceVersionMatch is set to NotOlderThan');
    }
    if (sendInitial && !bookmarks) throw invalidListOptions('allowWatchBookmarks: Forbidden: allowWatchBookmarks must be set to true when sendInitialEvents is true');
  }

  const cache = await cacheFor(ctx, def);
  let fromRev: number | undefined;
  if (sendInitialParam !== null) {
    if (rv) await ctx.caches.waitForRevision(rv);
    else if (rvParam === '') await ctx.caches.sync();
    fromRev = sendInitial ? undefined : rv ?? ctx.caches.progressRev;
  } else if (rvParam === '') {
    await ctx.caches.sync();
    fromRev = undefined;
  } else if (rv === 0) {
    fromRev = undefined;
  } else {
    await ctx.caches.waitForRevision(rv!);
    fromRev = rv;
  }

  const include = parseIncludeObject(query.get('includeObject'));
  const converted = !!def.fromStorage || neg.kind !== 'object';
  let firstTable = true;
  const encode = (type: WatchEventType, e: CacheEntry): string | Buffer => {
    if (!converted) return jsonEventLine(type, e);
    if (neg.kind === 'protobuf') return encodeWatchEventFrame(type, toServed(def, JSON.parse(e.raw)));
    const obj = toServed(def, JSON.parse(e.raw));
    let out: unknown = obj;
    if (neg.kind === 'table') {
      out = {
        kind: 'Table',
        apiVersion: 'meta.k8s.io/v1',
        metadata: { resourceVersion: obj.metadata?.resourceVersion },
        columnDefinitions: firstTable ? tableDef(def).columns : [],
        rows: [tableRow(def, obj, include, Date.now())],
      };
      firstTable = false;
    } else if (neg.kind === 'partial') out = partialObject(obj);
    return JSON.stringify({ type, object: out }) + '\n';
  };
  const bookmarkLine = (rev: number, initialEnd = false): string | Buffer => {
    const meta: Record<string, unknown> = { resourceVersion: String(rev) };
    if (initialEnd) meta.annotations = { 'k8s.io/initial-events-end': 'true' };
    const obj = neg.kind === 'table' || neg.kind === 'partial'
      ? { kind: neg.kind === 'table' ? 'Table' : 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: meta }
      : { kind: def.kind, apiVersion: gvString(def), metadata: meta };
    if (neg.kind === 'protobuf') return encodeWatchEventFrame('BOOKMARK', obj);
    return JSON.stringify({ type: 'BOOKMARK', object: obj }) + '\n';
  };

  const contentType = neg.kind === 'protobuf' ? PROTOBUF_WATCH_CONTENT_TYPE : neg.kind === 'yaml' ? 'application/json' : neg.contentType;
  const rec = (res as any).__audit;
  if (rec) {
    rec.setResponse(200);
    (res as any).__auditResponded = true;
  }
  const auditID = (res as any).__auditID as string | undefined;
  res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-cache, private', ...(auditID ? { 'audit-id': auditID } : {}) });
  // send the 200 now: clients (informers) wait for it before they report the watch started
  (res as any).flushHeaders?.();
  // HTTP/2: write the event bytes to the stream itself (the compat response only forwards them)
  const h2 = (res as unknown as { stream?: ServerHttp2Stream }).stream;
  const out: { write(chunk: string | Buffer): unknown; readonly writableLength: number } = h2 ?? res;
  let closed = false;
  let stop = () => {};
  const timers: NodeJS.Timeout[] = [];
  const finish = () => {
    if (closed) return;
    closed = true;
    stop();
    for (const x of timers) clearTimeout(x);
    if (!res.writableEnded) res.end();
  };
  const write = (s: string | Buffer): boolean => {
    if (closed) return false;
    if (h2 && (h2.destroyed || h2.writableEnded)) {
      finish();
      return false;
    }
    out.write(s);
    return out.writableLength < MAX_BUFFERED;
  };
  try {
    stop = cache.watch(
      { namespace, name: pred.name, match: pred.empty ? () => true : pred.match },
      { send: (type, e) => write(encode(type, e)), close: () => finish() },
      fromRev,
    );
  } catch (err) {
    // as upstream's cacher: once the request is accepted, errors arrive as an ERROR event
    if (err instanceof StatusError) {
      write(neg.kind === 'protobuf' ? encodeWatchEventFrame('ERROR', err.toStatus() as any) : JSON.stringify({ type: 'ERROR', object: err.toStatus() }) + '\n');
      finish();
      return;
    }
    throw err;
  }
  if (sendInitialParam !== null && sendInitial) write(bookmarkLine(ctx.caches.progressRev, true));
  req.on('close', finish);
  res.on('close', finish);
  res.on('error', finish);
  const deadline = setTimeout(() => {
    if (bookmarks) write(bookmarkLine(ctx.caches.progressRev));
    finish();
  }, timeoutS * 1000);
  timers.push(deadline);
  if (bookmarks) {
    const tick = () => {
      if (closed) return;
      write(bookmarkLine(ctx.caches.progressRev));
      timers.push(setTimeout(tick, BOOKMARK_INTERVAL_MS));
    };
    timers.push(setTimeout(tick, BOOKMARK_INTERVAL_MS));
  }
}
