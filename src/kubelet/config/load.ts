// Reading the kubelet's --config file: YAML or JSON → strict decode against the v1beta1 schema
// → duration checks → upstream defaults → validation. Every error names the file, and the
// field and value when one is at fault.
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { decodeStrict, DecodeError } from '../../scheduler/config/decode.js';
import { defaultKubeletConfiguration } from './defaults.js';
import { parseGoDuration } from './duration.js';
import { DURATION_FIELDS, kubeletConfigSchema } from './schema.js';
import type { KubeletConfiguration } from './types.js';
import { validateKubeletConfiguration } from './validation.js';

export class KubeletConfigError extends Error {}

const GROUP_VERSION = 'kubelet.config.k8s.io/v1beta1';

const getPath = (o: any, path: string): unknown => path.split('.').reduce((cur, k) => (cur && typeof cur === 'object' ? cur[k] : undefined), o);

/** The value a decoder type error is about (from "Go struct field KubeletConfiguration.a.b of type"). */
function offendingValue(raw: unknown, message: string): string {
  const m = /Go struct field \w+\.([^ ]+) of type/.exec(message);
  if (!m) return '';
  const path = m[1].replace(/\[(\d+)\]/g, '.$1').replace(/\[([^\]]+)\]/g, '.$1');
  const v = getPath(raw, path);
  return v === undefined ? '' : ` (field ${m[1]}, value ${JSON.stringify(v)})`;
}

/**
 * Decode a configuration document (strict), lay the command-line overrides over it (the
 * deprecated flags win over the file, as upstream), apply defaults and validate; `source`
 * names the file in errors.
 */
export function parseKubeletConfig(text: string, source: string, overrides: Record<string, unknown> = {}): { config: KubeletConfiguration; raw: Record<string, unknown> } {
  const fail = (msg: string): never => {
    throw new KubeletConfigError(`failed to load kubelet config file ${JSON.stringify(source)}: ${msg}`);
  };
  let doc: unknown;
  try {
    const d = YAML.parseDocument(text, { uniqueKeys: true });
    if (d.errors.length) throw d.errors[0];
    doc = d.toJS();
  } catch (err) {
    return fail(`failed to decode: ${(err as Error).message}`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return fail(`failed to decode: Object 'Kind' is missing in '${text.trim().slice(0, 200)}'`);
  const raw = doc as Record<string, unknown>;
  if (!raw.kind) fail(`failed to decode: Object 'Kind' is missing in '${JSON.stringify(raw).slice(0, 300)}'`);
  if (raw.apiVersion !== GROUP_VERSION || raw.kind !== 'KubeletConfiguration') {
    fail(`failed to decode: no kind ${JSON.stringify(raw.kind)} is registered for version ${JSON.stringify(raw.apiVersion ?? '')} (want kind "KubeletConfiguration", apiVersion "${GROUP_VERSION}")`);
  }
  const unknown: string[] = [];
  let decoded: Record<string, unknown> = {};
  try {
    decoded = decodeStrict(raw, kubeletConfigSchema, '', kubeletConfigSchema.goType, unknown) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof DecodeError) fail(`failed to decode: ${err.message}${offendingValue(raw, err.message)}`);
    throw err;
  }
  if (unknown.length) fail(`strict decoding error: ${unknown.map((f) => `unknown field ${JSON.stringify(f)}`).join(', ')}`);
  const merged = mergeOverrides(decoded, overrides);
  for (const path of DURATION_FIELDS) {
    const v = getPath(merged, path);
    if (v === undefined) continue;
    try {
      parseGoDuration(v as string);
    } catch (err) {
      fail(`failed to decode: field ${path}: ${(err as Error).message}`);
    }
  }
  const config = defaultKubeletConfiguration(merged);
  const errs = validateKubeletConfiguration(config);
  if (errs.length) fail(errs.length === 1 ? errs[0] : `[${errs.join(', ')}]`);
  return { config, raw: decoded };
}

/** Nested objects are merged (e.g. authentication.x509 from one flag), other values replaced. */
export function mergeOverrides(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const cur = out[k];
    const isObj = (x: unknown) => x !== null && typeof x === 'object' && !Array.isArray(x);
    out[k] = isObj(v) && isObj(cur) && !['evictionHard', 'evictionSoft', 'systemReserved', 'kubeReserved', 'featureGates'].includes(k) ? mergeOverrides(cur as Record<string, unknown>, v as Record<string, unknown>) : v;
  }
  return out;
}

/** Load --config from disk (with command-line overrides). */
export function loadKubeletConfigFile(path: string, overrides: Record<string, unknown> = {}): { config: KubeletConfiguration; raw: Record<string, unknown> } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new KubeletConfigError(`failed to load kubelet config file ${JSON.stringify(path)}: open ${path}: ${code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`);
  }
  return parseKubeletConfig(text, path, overrides);
}
