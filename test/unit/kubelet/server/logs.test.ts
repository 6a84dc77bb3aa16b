// CRI log format parsing and /containerLogs options: partial lines joined per stream, tail,
// since, timestamps, limitBytes, follow across appends and rotation, upstream's query checks.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { parseCriLog, parseCriRecord } from '../../../../src/kubelet/server/logs/crilog.js';
import { LogOptionsError, parseLogOptions } from '../../../../src/kubelet/server/logs/options.js';
import type { LogOptions } from '../../../../src/kubelet/server/logs/options.js';
import { readContainerLog } from '../../../../src/kubelet/server/logs/reader.js';

const dir = mkdtempSync(join(tmpdir(), 'k8ts-logs-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const LOG = [
  '2026-01-01T00:00:01.000000001Z stdout F first',
  '2026-01-01T00:00:02.5Z stderr P par',
  '2026-01-01T00:00:02.6Z stdout F second',
  '2026-01-01T00:00:02.7Z stderr P ti',
  '2026-01-01T00:00:02.8Z stderr F al',
  '2026-01-01T00:00:03Z stdout F',
  'garbage line',
  '2026-01-01T00:00:04Z stdout F last line',
  '',
].join('\n');

function opts(o: Partial<LogOptions> = {}): LogOptions {
  return { follow: false, previous: false, timestamps: false, ...o };
}

async function read(path: string, o: LogOptions): Promise<string> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => (text += c));
  await readContainerLog(path, o, out);
  return text;
}

describe('CRI log records', () => {
  it('parses timestamp, stream, tag and content (content may be empty or hold spaces)', () => {
    const r = parseCriRecord(Buffer.from('2026-01-01T00:00:01.000000001Z stderr P a b  c'));
    assert.equal(r.timestamp, '2026-01-01T00:00:01.000000001Z');
    assert.equal(r.stream, 'stderr');
    assert.equal(r.partial, true);
    assert.equal(r.content.toString(), 'a b  c');
    assert.equal(parseCriRecord(Buffer.from('2026-01-01T00:00:03Z stdout F')).content.length, 0);
    assert.equal(parseCriRecord(Buffer.from('2026-01-01T00:00:03Z stdout F:x y')).partial, false);
  });

  it('rejects malformed records', () => {
    assert.throws(() => parseCriRecord(Buffer.from('nospace')), /timestamp is not found/);
    assert.throws(() => parseCriRecord(Buffer.from('notatime stdout F x')), /unexpected timestamp/);
    assert.throws(() => parseCriRecord(Buffer.from('2026-01-01T00:00:03Z stdin F x')), /unexpected stream type/);
  });

  it('joins partial records per stream and skips garbage; an unterminated tail is kept', () => {
    const { lines, rest } = parseCriLog(Buffer.from(LOG + '2026-01-01T00:00:05Z stdout F no newline'));
    assert.deepEqual(
      lines.map((l) => [l.stream, l.content.toString(), l.timestamp]),
      [
        ['stdout', 'first', '2026-01-01T00:00:01.000000001Z'],
        ['stdout', 'second', '2026-01-01T00:00:02.6Z'],
        ['stderr', 'partial', '2026-01-01T00:00:02.5Z'],
        ['stdout', '', '2026-01-01T00:00:03Z'],
        ['stdout', 'last line', '2026-01-01T00:00:04Z'],
      ],
    );
    assert.equal(rest.toString(), '2026-01-01T00:00:05Z stdout F no newline');
  });
});

describe('reading a container log', () => {
  const path = join(dir, '0.log');
  writeFileSync(path, LOG);

  it('writes every line, with the timestamps of their first record when asked', async () => {
    assert.equal(await read(path, opts()), 'first\nsecond\npartial\n\nlast line\n');
    assert.equal((await read(path, opts({ timestamps: true }))).split('\n')[2], '2026-01-01T00:00:02.5Z partial');
  });

  it('tail keeps the last N lines; 0 none', async () => {
    assert.equal(await read(path, opts({ tailLines: 2 })), '\nlast line\n');
    assert.equal(await read(path, opts({ tailLines: 0 })), '');
    assert.equal(await read(path, opts({ tailLines: 100 })), 'first\nsecond\npartial\n\nlast line\n');
  });

  it('since drops earlier lines; limitBytes cuts the output', async () => {
    assert.equal(await read(path, opts({ sinceMs: Date.parse('2026-01-01T00:00:02.6Z') })), 'second\n\nlast line\n');
    assert.equal(await read(path, opts({ limitBytes: 8 })), 'first\nse');
    assert.equal(await read(path, opts({ limitBytes: 8, tailLines: 1 })), 'last lin');
  });

  it('follow streams appended and rotated data until the container stops', async () => {
    const fpath = join(dir, 'follow.log');
    writeFileSync(fpath, '2026-01-01T00:00:01Z stdout F one\n');
    const out = new PassThrough();
    let text = '';
    out.on('data', (c: Buffer) => (text += c));
    let running = true;
    const abort = new AbortController();
    const done = readContainerLog(fpath, opts({ follow: true }), out, { isRunning: async () => running, signal: abort.signal, pollMs: 20 });
    const waitFor = async (s: string) => {
      for (let i = 0; i < 200 && !text.includes(s); i++) await new Promise((r) => setTimeout(r, 10));
      assert.ok(text.includes(s), `expected ${JSON.stringify(s)} in ${JSON.stringify(text)}`);
    };
    await waitFor('one\n');
    appendFileSync(fpath, '2026-01-01T00:00:02Z stdout P tw');
    appendFileSync(fpath, 'o-a\n2026-01-01T00:00:02Z stdout F nd-b\n');
    await waitFor('two-and-b\n');
    // rotation: the runtime renames the file and opens a new one at the path
    renameSync(fpath, fpath + '.1');
    writeFileSync(fpath, '2026-01-01T00:00:03Z stdout F three\n');
    await waitFor('three\n');
    running = false;
    await done;
    assert.equal(text, 'one\ntwo-and-b\nthree\n');
  });

  it('follow ends when the client goes away', async () => {
    const out = new PassThrough();
    out.resume();
    const abort = new AbortController();
    const done = readContainerLog(path, opts({ follow: true }), out, { isRunning: async () => true, signal: abort.signal, pollMs: 20 });
    setTimeout(() => abort.abort(), 50);
    await done;
  });
});

describe('log query options', () => {
  const q = (s: string) => parseLogOptions(new URLSearchParams(s), 1_000_000);

  it('decodes PodLogOptions and the legacy tail parameter', () => {
    assert.deepEqual(q('follow=true&previous=true&timestamps=true&tailLines=5&limitBytes=10'), { follow: true, previous: true, timestamps: true, sinceMs: undefined, tailLines: 5, limitBytes: 10 });
    assert.equal(q('sinceSeconds=10').sinceMs, 1_000_000 - 10_000);
    assert.equal(q('sinceTime=2026-01-01T00:00:00Z').sinceMs, Date.parse('2026-01-01T00:00:00Z'));
    assert.equal(q('tail=3').tailLines, 3);
    assert.equal(q('tail=all&tailLines=3').tailLines, undefined);
  });

  it('answers 400 for undecodable and 422 for invalid values, as upstream', () => {
    const status = (s: string) => {
      try {
        q(s);
        return 0;
      } catch (e) {
        assert.ok(e instanceof LogOptionsError);
        return e.status;
      }
    };
    assert.equal(status('tailLines=x'), 400);
    assert.equal(status('sinceTime=yesterday'), 400);
    assert.equal(status('tailLines=-1'), 422);
    assert.equal(status('limitBytes=0'), 422);
    assert.equal(status('sinceSeconds=0'), 422);
    assert.equal(status('sinceSeconds=5&sinceTime=2026-01-01T00:00:00Z'), 422);
  });
});
