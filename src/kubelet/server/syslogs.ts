// GET /logs/ (upstream's system log handler): the node's /var/log served as Go's file server
// does — a directory as a <pre> list of links, a file as its bytes; nothing outside /var/log.
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { join, normalize } from 'node:path';
import { HttpError } from './find.js';

export const SYSTEM_LOG_DIR = '/var/log';

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&#34;').replace(/'/g, '&#39;');
}

/** Serves /logs/<rel> from root (default /var/log). */
export async function serveSystemLogs(path: string, res: ServerResponse, root = SYSTEM_LOG_DIR): Promise<void> {
  if (path !== '/logs' && !path.startsWith('/logs/')) throw new HttpError(404, '404 page not found');
  // an absolute path normalizes without any "..": joined to root it stays inside it
  const rel = normalize('/' + decodeURIComponent(path.slice('/logs'.length)));
  const full = join(root, rel);
  const st = await stat(full).catch(() => undefined);
  if (!st) throw new HttpError(404, '404 page not found');
  if (st.isDirectory()) {
    if (!path.endsWith('/')) {
      res.writeHead(301, { Location: `${path}/` }).end();
      return;
    }
    const entries = (await readdir(full, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
    const links = entries.map((e) => {
      const name = e.name + (e.isDirectory() ? '/' : '');
      return `<a href="${escapeHtml(encodeURIComponent(e.name) + (e.isDirectory() ? '/' : ''))}">${escapeHtml(name)}</a>`;
    });
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(`<pre>\n${links.join('\n')}\n</pre>\n`);
    return;
  }
  res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': st.size });
  await new Promise<void>((resolve) => createReadStream(full).on('error', () => resolve()).on('end', resolve).pipe(res));
}
