// Field paths and sets of them, as structured-merge-diff models them: a path is a list of path
// elements, each written the way FieldsV1 writes it — `f:<field>`, `k:<json of the key fields>`
// (an item of a list-map), `v:<json value>` (an item of a set list), `i:<index>` (an item of an
// atomic-by-position list). A FieldSet is a tree: `members` are the elements that are set at
// this level (leaves, or nodes owned as a whole, FieldsV1's "."), `children` the subtrees.

export type PathElement = string;
export type Path = PathElement[];

export class FieldSet {
  readonly members = new Set<PathElement>();
  readonly children = new Map<PathElement, FieldSet>();

  static of(...paths: Path[]): FieldSet {
    const s = new FieldSet();
    for (const p of paths) s.insert(p);
    return s;
  }

  isEmpty(): boolean {
    if (this.members.size) return false;
    for (const c of this.children.values()) if (!c.isEmpty()) return false;
    return true;
  }

  /** The subtree under `pe`, created on demand. */
  child(pe: PathElement): FieldSet {
    let c = this.children.get(pe);
    if (!c) this.children.set(pe, (c = new FieldSet()));
    return c;
  }

  insert(path: Path): void {
    let cur: FieldSet = this;
    for (let i = 0; i < path.length - 1; i++) cur = cur.child(path[i]);
    if (path.length) cur.members.add(path[path.length - 1]);
  }

  has(path: Path): boolean {
    let cur: FieldSet | undefined = this;
    for (let i = 0; i < path.length - 1 && cur; i++) cur = cur.children.get(path[i]);
    return !!cur && path.length > 0 && cur.members.has(path[path.length - 1]);
  }

  /** Whether `path` or anything below it is in the set. */
  hasPrefix(path: Path): boolean {
    if (!path.length) return !this.isEmpty();
    let cur: FieldSet | undefined = this;
    for (let i = 0; i < path.length - 1 && cur; i++) cur = cur.children.get(path[i]);
    if (!cur) return false;
    const last = path[path.length - 1];
    if (cur.members.has(last)) return true;
    const c = cur.children.get(last);
    return !!c && !c.isEmpty();
  }

  /** The union (one of the two sets itself when the other is empty: do not modify the result). */
  union(other: FieldSet): FieldSet {
    if (other.isEmpty()) return this;
    if (this.isEmpty()) return other;
    const out = this.clone();
    out.addAll(other);
    return out;
  }

  /** Adds everything of `other` to this set (in place). */
  addAll(other: FieldSet): void {
    for (const m of other.members) this.members.add(m);
    for (const [pe, c] of other.children) this.child(pe).addAll(c);
  }

  clone(): FieldSet {
    const out = new FieldSet();
    for (const m of this.members) out.members.add(m);
    for (const [pe, c] of this.children) out.children.set(pe, c.clone());
    return out;
  }

  /** Paths of this set that are not in `other` (members only; subtrees compared element-wise). */
  difference(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const m of this.members) if (!other.members.has(m)) out.members.add(m);
    for (const [pe, c] of this.children) {
      const oc = other.children.get(pe);
      const d = oc ? c.difference(oc) : c.clone();
      if (!d.isEmpty()) out.children.set(pe, d);
    }
    return out;
  }

  intersection(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const m of this.members) if (other.members.has(m)) out.members.add(m);
    for (const [pe, c] of this.children) {
      const oc = other.children.get(pe);
      if (!oc) continue;
      const i = c.intersection(oc);
      if (!i.isEmpty()) out.children.set(pe, i);
    }
    return out;
  }

  /** This set without any path that is a member of `prefixes` or lies below one of them. */
  withoutPrefixes(prefixes: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const m of this.members) if (!prefixes.members.has(m)) out.members.add(m);
    for (const [pe, c] of this.children) {
      if (prefixes.members.has(pe)) continue;
      const pc = prefixes.children.get(pe);
      const d = pc ? c.withoutPrefixes(pc) : c.clone();
      if (!d.isEmpty()) out.children.set(pe, d);
    }
    return out;
  }

  /** This set restricted to the paths at or below a member of `prefixes`. */
  onlyPrefixes(prefixes: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const m of this.members) if (prefixes.members.has(m)) out.members.add(m);
    for (const [pe, c] of this.children) {
      if (prefixes.members.has(pe)) out.children.set(pe, c.clone());
      else {
        const pc = prefixes.children.get(pe);
        if (!pc) continue;
        const d = c.onlyPrefixes(pc);
        if (!d.isEmpty()) out.children.set(pe, d);
      }
    }
    return out;
  }

  /** Every member path, in FieldsV1 order. */
  paths(prefix: Path = [], out: Path[] = []): Path[] {
    const keys = new Set<PathElement>([...this.members, ...this.children.keys()]);
    for (const pe of [...keys].sort(comparePathElements)) {
      if (this.members.has(pe)) out.push([...prefix, pe]);
      this.children.get(pe)?.paths([...prefix, pe], out);
    }
    return out;
  }

  equals(other: FieldSet): boolean {
    return this.difference(other).isEmpty() && other.difference(this).isEmpty();
  }
}

const KIND_ORDER: Record<string, number> = { f: 0, k: 1, v: 2, i: 3 };

/** structured-merge-diff's element order: field names, then keys, values, indexes. */
export function comparePathElements(a: PathElement, b: PathElement): number {
  const ka = KIND_ORDER[a[0]] ?? 4;
  const kb = KIND_ORDER[b[0]] ?? 4;
  if (ka !== kb) return ka - kb;
  if (ka === 3) return Number(a.slice(2)) - Number(b.slice(2));
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---- elements ----

export const fieldElement = (name: string): PathElement => `f:${name}`;
export const indexElement = (i: number): PathElement => `i:${i}`;
export const valueElement = (v: unknown): PathElement => `v:${JSON.stringify(v)}`;

/** The element of a list-map item: its key fields in name order, as FieldsV1 writes them. */
export function keyElement(item: Record<string, unknown>, keys: readonly string[]): PathElement | undefined {
  const sorted = keys.length > 1 ? [...keys].sort() : keys;
  let s = 'k:{';
  let first = true;
  for (const k of sorted) {
    const v = item[k];
    if (v === undefined || v === null) continue;
    s += (first ? '' : ',') + JSON.stringify(k) + ':' + JSON.stringify(v);
    first = false;
  }
  if (first) return undefined;
  return s + '}';
}

/** A path as upstream prints it in conflicts: `.spec.containers[name="nginx"].image`, `[=x]`, `[0]`. */
export function pathString(path: Path): string {
  let s = '';
  for (const pe of path) {
    const body = pe.slice(2);
    switch (pe[0]) {
      case 'f':
        s += '.' + body;
        break;
      case 'i':
        s += `[${body}]`;
        break;
      case 'v':
        s += `[=${valueString(JSON.parse(body))}]`;
        break;
      case 'k': {
        const obj = JSON.parse(body) as Record<string, unknown>;
        s += '[' + Object.entries(obj).map(([k, v]) => `${k}=${valueString(v)}`).join(',') + ']';
        break;
      }
      default:
        s += pe;
    }
  }
  return s;
}

function valueString(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v);
}
