// Reads the kubernetes-types package's declaration files (node_modules/kubernetes-types/**/*.d.ts)
// at run time: every exported interface with its JSDoc description and fields (name, description,
// optional or not, type expression), named by upstream's OpenAPI definition names
// (io.k8s.api.core.v1.Pod). The files are generated from upstream's swagger and have a regular
// shape, so a line-oriented reader is enough. Used once, lazily, by the OpenAPI model (model.ts).

import { readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { logger } from '../../util/klog.js';

const log = logger('openapi.go');

export type TypeExpr =
  | { k: 'string' | 'number' | 'boolean' }
  | { k: 'intstr' }
  | { k: 'array'; of: TypeExpr }
  | { k: 'map'; of: TypeExpr }
  | { k: 'ref'; name: string };

export interface DtsField {
  name: string;
  description?: string;
  optional: boolean;
  type: TypeExpr;
  /** The literal of `apiVersion?: "apps/v1"` / `kind?: "Deployment"`. */
  literal?: string;
}

export interface DtsType {
  name: string;
  description?: string;
  /** Interfaces; absent for `export type X = ...` aliases. */
  fields?: DtsField[];
}

/** The upstream definition-name prefix of a kubernetes-types module path ("core/v1"). */
export function packageOfModule(mod: string): string {
  if (mod === 'meta/v1') return 'io.k8s.apimachinery.pkg.apis.meta.v1';
  if (mod === 'api/resource') return 'io.k8s.apimachinery.pkg.api.resource';
  if (mod === 'runtime') return 'io.k8s.apimachinery.pkg.runtime';
  if (mod === 'version') return 'io.k8s.apimachinery.pkg.version';
  if (mod.startsWith('apiextensions/')) return `io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.${mod.slice('apiextensions/'.length)}`;
  return `io.k8s.api.${mod.replace(/\//g, '.')}`;
}

function packageRoot(): string {
  const req = createRequire(import.meta.url);
  return dirname(req.resolve('kubernetes-types/package.json'));
}

function listModules(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir)) {
      const p = join(dir, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (e.endsWith('.d.ts')) out.push(relative(root, p).slice(0, -'.d.ts'.length));
    }
  };
  walk(root);
  return out.sort();
}

function cleanComment(lines: string[]): string {
  const text = lines
    .map((l) => l.trim().replace(/^\/\*\*\s?/, '').replace(/\s*\*\/$/, '').replace(/^\*\s?/, ''))
    .join('\n')
    .trim();
  return text.replace(/^\*\/$/, '').trim();
}

function parseType(src: string, resolveName: (n: string) => string): TypeExpr {
  const s = src.trim().replace(/;$/, '').trim();
  if (s === 'string' || s === 'number' || s === 'boolean') return { k: s };
  if (s === 'number | string' || s === 'string | number') return { k: 'intstr' };
  if (s.startsWith('"')) return { k: 'string' };
  const arr = /^Array<(.+)>$/s.exec(s);
  if (arr) return { k: 'array', of: parseType(arr[1], resolveName) };
  const map = /^\{\s*\[\w+: string\]:\s*(.+?);?\s*\}$/s.exec(s);
  if (map) return { k: 'map', of: parseType(map[1], resolveName) };
  if (/^[A-Za-z_]\w*$/.test(s)) return { k: 'ref', name: resolveName(s) };
  throw new Error(`kubernetes-types: unsupported type expression ${JSON.stringify(s)}`);
}

function parseModule(mod: string, text: string, out: Map<string, DtsType>): void {
  const pkg = packageOfModule(mod);
  const imports = new Map<string, string>();
  for (const m of text.matchAll(/^import \{([^}]*)\} from "([^"]+)";$/gm)) {
    const target = join(mod, '..', m[2]).replace(/\\/g, '/');
    for (const n of m[1].split(',')) imports.set(n.trim(), packageOfModule(target));
  }
  const resolveName = (n: string) => `${imports.get(n) ?? pkg}.${n}`;
  const lines = text.split('\n');
  let comment: string[] | undefined;
  let pending: string | undefined;
  let cur: DtsType | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const t = line.trim();
    if (t.startsWith('/**')) {
      comment = [];
      let j = i;
      for (; j < lines.length; j++) {
        comment.push(lines[j]);
        if (lines[j].includes('*/')) break;
      }
      i = j;
      pending = cleanComment(comment) || undefined;
      continue;
    }
    const iface = /^export interface (\w+) \{$/.exec(t);
    if (iface) {
      cur = { name: `${pkg}.${iface[1]}`, description: pending, fields: [] };
      out.set(cur.name, cur);
      pending = undefined;
      if (lines[i].endsWith('{') && lines[i + 1]?.trim() === '}') i++;
      continue;
    }
    const alias = /^export type (\w+) = /.exec(t);
    if (alias) {
      out.set(`${pkg}.${alias[1]}`, { name: `${pkg}.${alias[1]}`, description: pending });
      pending = undefined;
      continue;
    }
    if (t === '}') {
      cur = undefined;
      continue;
    }
    const field = /^(?:readonly )?("[^"]+"|[\w$]+)(\?)?: (.*)$/.exec(t);
    if (field && cur) {
      let typeSrc = field[3];
      // Multi-line object types: collect until the braces balance.
      let depth = (typeSrc.match(/\{/g) ?? []).length - (typeSrc.match(/\}/g) ?? []).length;
      while (depth > 0 && i + 1 < lines.length) {
        const next = lines[++i].trim();
        typeSrc += ' ' + next;
        depth += (next.match(/\{/g) ?? []).length - (next.match(/\}/g) ?? []).length;
      }
      const name = field[1].replace(/^"|"$/g, '');
      const lit = /^"([^"]*)";$/.exec(typeSrc.trim());
      try {
        cur.fields!.push({ name, description: pending, optional: field[2] === '?', type: parseType(typeSrc, resolveName), literal: lit?.[1] });
      } catch (err) {
        // a declaration shape this reader does not know: the field is left out (the wire schema may still supply it)
        log.warning('kubernetes-types field skipped', { type: cur.name, field: name, err: (err as Error).message });
      }
      pending = undefined;
    }
  }
}

let cache: Map<string, DtsType> | undefined;

/** Every type declared by kubernetes-types, by upstream definition name (parsed once). */
export function kubernetesTypes(): Map<string, DtsType> {
  if (cache) return cache;
  const root = packageRoot();
  const out = new Map<string, DtsType>();
  for (const mod of listModules(root)) {
    try {
      parseModule(mod, readFileSync(join(root, `${mod}.d.ts`), 'utf8'), out);
    } catch (err) {
      log.error('kubernetes-types module not read', { module: mod, err: (err as Error).message });
    }
  }
  cache = out;
  return out;
}
