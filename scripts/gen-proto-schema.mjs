#!/usr/bin/env node
// Generates src/apimachinery/protobuf/schema-data/*.ts: the compact wire schema (message ->
// fields: JSON name, field number, type, flags) of the built-in Kubernetes API packages.
//
// Source of truth: the protobuf file descriptors that a kubectl v1.32 binary embeds (gogo's
// generated.pb.go registers every generated.proto as a gzipped FileDescriptorProto), plus the
// Go struct tags in the same binary (`json:"name,omitempty" protobuf:"bytes,1,opt,name=name"`),
// which say how each field is named and inlined in JSON and whether it is omitted when empty.
// The gogoproto (nullable)=false option in the descriptors tells value fields from pointers.
// Only names, numbers and types are written out: no .proto text, no comments.
//
// Usage: node scripts/gen-proto-schema.mjs [/path/to/kubectl]   (default /usr/bin/kubectl)
import { readFileSync, writeFileSync, mkdirSync, realpathSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { fromBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';

const binPath = process.argv[2] ?? '/usr/bin/kubectl';
const OUT_DIR = new URL('../src/apimachinery/protobuf/schema-data/', import.meta.url);

// Proto package -> alias used in the data files. The order is the order of the output files.
const PACKAGES = [
  ['k8s.io.apimachinery.pkg.apis.meta.v1', 'meta'],
  ['k8s.io.apimachinery.pkg.api.resource', 'resource'],
  ['k8s.io.apimachinery.pkg.util.intstr', 'intstr'],
  ['k8s.io.apimachinery.pkg.runtime', 'runtime'],
  ['k8s.io.api.core.v1', 'core'],
  ['k8s.io.api.apps.v1', 'apps'],
  ['k8s.io.api.batch.v1', 'batch'],
  ['k8s.io.api.autoscaling.v1', 'autoscaling'],
  ['k8s.io.api.autoscaling.v2', 'autoscalingv2'],
  ['k8s.io.api.coordination.v1', 'coordination'],
  ['k8s.io.api.discovery.v1', 'discovery'],
  ['k8s.io.api.events.v1', 'events'],
  ['k8s.io.api.rbac.v1', 'rbac'],
  ['k8s.io.api.certificates.v1', 'certificates'],
  ['k8s.io.api.storage.v1', 'storage'],
  ['k8s.io.api.policy.v1', 'policy'],
  ['k8s.io.api.networking.v1', 'networking'],
  ['k8s.io.api.scheduling.v1', 'scheduling'],
  ['k8s.io.api.node.v1', 'node'],
  ['k8s.io.api.authentication.v1', 'authentication'],
  ['k8s.io.api.authorization.v1', 'authorization'],
  ['k8s.io.api.admissionregistration.v1', 'admissionregistration'],
  ['k8s.io.api.flowcontrol.v1', 'flowcontrol'],
  ['k8s.io.api.apidiscovery.v2', 'apidiscovery'],
];
const ALIAS = new Map(PACKAGES);

// FieldDescriptorProto.Type -> compact scalar code.
const SCALARS = { 1: 'd', 2: 'f', 3: 'I', 4: 'U', 5: 'i', 8: 'b', 9: 's', 12: 'y', 13: 'u' };
const TYPE_MESSAGE = 11;
const LABEL_REPEATED = 3;
const GOGO_NULLABLE = 65001;

// ---- 1. the file descriptors -------------------------------------------------------------
const data = readFileSync(binPath);
const GZIP = Buffer.from([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0]);
const files = new Map();
for (let i = data.indexOf(GZIP); i >= 0; i = data.indexOf(GZIP, i + 1)) {
  let raw;
  try {
    // One gzip member: the 10-byte header (no optional fields: FLG=0), then raw deflate data;
    // inflating the raw stream stops at its final block (a following member is not merged in).
    raw = inflateRawSync(data.subarray(i + 10, i + 4_000_000));
  } catch {
    continue;
  }
  try {
    const fd = fromBinary(FileDescriptorProtoSchema, raw);
    if (fd.name.startsWith('k8s.io/')) files.set(fd.package, fd);
  } catch {
    // not a descriptor
  }
}

// ---- 2. the Go structs ------------------------------------------------------------------
// The binary's reflection data describes every Go API struct: its package path, name and
// fields (name + struct tag + type). It is read from .rodata (Go 1.2x abi layout):
//   abi.Name: flags byte (bit 1: has tag), varint length, name, [varint length, tag]
//   abi.StructField: name *byte, typ *Type, offset uintptr          (24 bytes)
//   abi.Type: ... TFlag @20, Kind @23, Str NameOff @40               (48 bytes)
//   abi.StructType: Type, PkgPath Name @48, Fields []StructField @56 (80 bytes), then
//   abi.UncommonType: PkgPath NameOff @80 (when TFlag has bit 0)
function elfSection(buf, wanted) {
  const shoff = Number(buf.readBigUInt64LE(0x28));
  const shentsize = buf.readUInt16LE(0x3a);
  const shnum = buf.readUInt16LE(0x3c);
  const strndx = buf.readUInt16LE(0x3e);
  const hdr = (i) => shoff + i * shentsize;
  const strOff = Number(buf.readBigUInt64LE(hdr(strndx) + 24));
  for (let i = 0; i < shnum; i++) {
    const nameOff = buf.readUInt32LE(hdr(i));
    const end = buf.indexOf(0, strOff + nameOff);
    if (buf.toString('latin1', strOff + nameOff, end) === wanted) {
      return { addr: Number(buf.readBigUInt64LE(hdr(i) + 16)), offset: Number(buf.readBigUInt64LE(hdr(i) + 24)), size: Number(buf.readBigUInt64LE(hdr(i) + 32)) };
    }
  }
  throw new Error(`no ${wanted} section in ${binPath}`);
}
const ro = elfSection(data, '.rodata');
const roOff = (va) => va - ro.addr + ro.offset;
const roVA = (off) => off - ro.offset + ro.addr;
const u64 = (off) => data.readUInt32LE(off) + data.readUInt32LE(off + 4) * 2 ** 32;
function varint(off) {
  let n = 0;
  let mul = 1;
  for (;;) {
    const b = data[off++];
    n += (b & 0x7f) * mul;
    mul *= 128;
    if (b < 0x80) return [n, off];
  }
}
function readName(off) {
  const flags = data[off];
  let [n, p] = varint(off + 1);
  const name = data.toString('latin1', p, p + n);
  p += n;
  let tag = '';
  if (flags & 2) {
    const [t, q] = varint(p);
    tag = data.toString('latin1', q, q + t);
  }
  return { name, tag };
}
function typeInfo(va) {
  const o = roOff(va);
  const tflag = data[o + 20];
  let { name } = readName(ro.offset + data.readInt32LE(o + 40));
  if (tflag & 2) name = name.slice(1); // TFlagExtraStar
  const kind = data[o + 23] & 0x1f;
  let pkgPath = '';
  if (kind === 25 && tflag & 1) pkgPath = readName(ro.offset + data.readInt32LE(o + 80)).name;
  return { name, kind, pkgPath };
}
// a. the abi.Name blobs holding struct tags with a json key
const blobs = new Set();
const roText = data.toString('latin1', ro.offset, ro.offset + ro.size);
for (const m of roText.matchAll(/json:"[^"]*"(?: [A-Za-z]+:"[^"]*")*/g)) {
  const p = ro.offset + m.index;
  const len = m[0].length;
  const lenBytes = len < 128 ? [len] : [(len & 0x7f) | 0x80, len >> 7];
  const tagStart = p - lenBytes.length;
  if (!lenBytes.every((b, i) => data[tagStart + i] === b)) continue;
  for (let nl = 1; nl < 100; nl++) {
    const q = tagStart - nl - 2;
    if (data[q + 1] === nl && data[q] & 2 && data[q] < 16) {
      blobs.add(roVA(q));
      break;
    }
  }
}
// b. the StructField entries pointing at them, grouped into field arrays
const entries = [];
for (let o = ro.offset; o + 24 <= ro.offset + ro.size; o += 8) {
  const v = u64(o);
  if (blobs.has(v)) entries.push({ va: roVA(o), name: v, typ: u64(o + 8), offset: u64(o + 16) });
}
const arrays = new Map(); // array VA -> entries
let cur;
for (let i = 0; i < entries.length; i++) {
  const e = entries[i];
  if (!cur || e.va !== entries[i - 1].va + 24 || e.offset === 0) {
    cur = [];
    arrays.set(e.va, cur);
  }
  cur.push(e);
}
// c. the struct types owning those arrays: go package path + type name -> fields
const goStructs = new Map();
for (let o = ro.offset; o + 16 <= ro.offset + ro.size; o += 8) {
  const arr = arrays.get(u64(o));
  if (!arr || u64(o + 8) !== arr.length) continue;
  const t = typeInfo(roVA(o) - 56);
  if (t.kind !== 25 || !t.pkgPath) continue;
  const fields = arr.map((e) => {
    const { name, tag } = readName(roOff(e.name));
    const ft = typeInfo(e.typ);
    return { goName: name, tag, kind: ft.kind, type: ft.name };
  });
  goStructs.set(`${t.pkgPath}.${t.name.slice(t.name.indexOf('.') + 1)}`, fields);
}
const tagValue = (tag, key) => new RegExp(`(?:^| )${key}:"([^"]*)"`).exec(tag)?.[1];

// JSON names of fields whose Go types marshal JSON themselves (no json tags on their fields).
const CUSTOM_JSON = new Set([
  'k8s.io.apimachinery.pkg.apis.meta.v1.Time', 'k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime',
  'k8s.io.apimachinery.pkg.apis.meta.v1.Timestamp', 'k8s.io.apimachinery.pkg.apis.meta.v1.Duration',
  'k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1', 'k8s.io.apimachinery.pkg.apis.meta.v1.Verbs',
  'k8s.io.apimachinery.pkg.api.resource.Quantity', 'k8s.io.apimachinery.pkg.api.resource.QuantityValue',
  'k8s.io.apimachinery.pkg.util.intstr.IntOrString', 'k8s.io.apimachinery.pkg.runtime.RawExtension',
]);

function typeToken(f, pkg, nested) {
  if (f.type !== TYPE_MESSAGE) {
    const s = SCALARS[f.type];
    if (!s) throw new Error(`unsupported scalar type ${f.type} for ${f.name}`);
    return s;
  }
  const full = f.typeName.replace(/^\./, '');
  const entry = nested.get(full);
  if (entry) {
    const k = entry.field.find((x) => x.number === 1);
    const v = entry.field.find((x) => x.number === 2);
    return `{${typeToken(k, pkg, nested)},${typeToken(v, pkg, nested)}}`;
  }
  const dot = full.lastIndexOf('.');
  const alias = ALIAS.get(full.slice(0, dot));
  if (!alias) throw new Error(`message ${full} (from ${pkg}) is in a package that is not generated`);
  return `${alias}.${full.slice(dot + 1)}`;
}

const report = { noGoStruct: [], noGoField: [], pointerMismatch: [], renamed: [], inline: [] };
const out = {};
for (const [pkg, alias] of PACKAGES) {
  const fd = files.get(pkg);
  if (!fd) throw new Error(`no descriptor for ${pkg} in ${binPath}`);
  const goPackage = fd.options?.goPackage;
  const messages = {};
  for (const msg of fd.messageType) {
    const full = `${pkg}.${msg.name}`;
    if (msg.oneofDecl.length) throw new Error(`oneof in ${full}`);
    const nested = new Map();
    for (const n of msg.nestedType) {
      if (!n.options?.mapEntry) throw new Error(`nested non-map message ${full}.${n.name}`);
      nested.set(`${full}.${n.name}`, n);
    }
    const custom = CUSTOM_JSON.has(full);
    const goFields = custom ? undefined : goStructs.get(`${goPackage}.${msg.name}`);
    if (!custom && !goFields) report.noGoStruct.push(full);
    const fields = [];
    for (const f of msg.field) {
      const isMap = f.type === TYPE_MESSAGE && nested.has(f.typeName.replace(/^\./, ''));
      const nullable = !(f.options?.$unknown ?? []).some((u) => u.no === GOGO_NULLABLE && u.data[0] === 0);
      let jsonName = f.name;
      let flags = '';
      if (f.label === LABEL_REPEATED && !isMap) flags += 'r';
      if (!nullable && f.label !== LABEL_REPEATED) flags += 'v';
      const gf = goFields?.find((g) => Number(tagValue(g.tag, 'protobuf')?.split(',')[1]) === f.number);
      if (goFields && !gf) report.noGoField.push(`${full}.${f.name}`);
      if (gf) {
        if ((gf.kind === 22) !== (nullable && f.label !== LABEL_REPEATED)) {
          report.pointerMismatch.push(`${full}.${f.name}: Go ${gf.type}, proto ${nullable ? 'nullable' : 'value'}`);
        }
        const [name, ...opts] = (tagValue(gf.tag, 'json') ?? '').split(',');
        if (opts.includes('inline')) {
          flags += 'i';
          report.inline.push(`${full}.${f.name}`);
        } else if (name && name !== '-') {
          if (name !== f.name) report.renamed.push(`${full}.${f.name} -> ${name}`);
          jsonName = name;
        }
        if (opts.includes('omitempty')) flags += 'o';
      }
      fields.push(`${jsonName}:${f.number}:${typeToken(f, pkg, nested)}${flags ? ':' + flags : ''}`);
    }
    messages[msg.name] = fields.join(';');
  }
  out[alias] = { pkg, messages };
}

// ---- 3. write ----------------------------------------------------------------------------
mkdirSync(OUT_DIR, { recursive: true });
let version = 'unknown';
try {
  version = JSON.parse(execFileSync(binPath, ['version', '--client', '-o', 'json'], { encoding: 'utf8' })).clientVersion.gitVersion;
} catch {
  // keep "unknown"
}
const index = [];
for (const [pkg, alias] of PACKAGES) {
  const { messages } = out[alias];
  const lines = [
    `// Generated by scripts/gen-proto-schema.mjs from the descriptors in kubectl ${version}: do not edit.`,
    `// Wire schema of ${pkg}; format in ../schema.ts.`,
    `export const pkg = ${JSON.stringify(pkg)};`,
    'export const messages: Record<string, string> = {',
    ...Object.entries(messages).map(([n, s]) => `  ${n}: ${JSON.stringify(s)},`),
    '};',
    '',
  ];
  writeFileSync(new URL(`${alias}.ts`, OUT_DIR), lines.join('\n'));
  index.push([alias, pkg]);
}
writeFileSync(new URL('index.ts', OUT_DIR), [
  `// Generated by scripts/gen-proto-schema.mjs: the schema-data modules by package alias.`,
  ...index.map(([a]) => `import * as ${a} from './${a}.js';`),
  '',
  'export const PACKAGES: Record<string, { pkg: string; messages: Record<string, string> }> = {',
  ...index.map(([a]) => `  ${a},`),
  '};',
  '',
].join('\n'));

console.log(`wrote ${PACKAGES.length} packages from ${realpathSync(binPath)} (${version})`);
for (const [k, v] of Object.entries(report)) {
  console.log(`${k}: ${v.length}`);
  for (const x of v) console.log(`  ${x}`);
}
