// Reading --config: YAML/JSON → strict decode against the v1 schema → defaults → validation.
// Errors name the file and the offending field and value, as upstream's messages do.

import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { configSchema, decodeStrict, DecodeError, pluginArgsSchemas } from './decode.js';
import { defaultConfig } from './defaults.js';
import type { KubeSchedulerConfiguration } from './types.js';
import { aggregateMessage, validateConfig } from './validation.js';

export class ConfigError extends Error {}

const GROUP_VERSION = 'kubescheduler.config.k8s.io/v1';

/** Decode (strictly), default and validate a configuration document. */
export function parseConfig(text: string, source = 'config'): KubeSchedulerConfiguration {
  let doc: unknown;
  try {
    const d = YAML.parseDocument(text, { uniqueKeys: true });
    if (d.errors.length) throw d.errors[0];
    doc = d.toJS();
  } catch (err) {
    throw new ConfigError(`failed to decode ${source}: ${(err as Error).message}`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError(`failed to decode ${source}: Object 'Kind' is missing in '${text.trim().slice(0, 200)}'`);
  const raw = doc as Record<string, unknown>;
  if (!raw.kind) throw new ConfigError(`failed to decode ${source}: Object 'Kind' is missing in '${JSON.stringify(raw)}'`);
  if (raw.apiVersion !== GROUP_VERSION || raw.kind !== 'KubeSchedulerConfiguration') {
    throw new ConfigError(`failed to decode ${source}: no kind "${raw.kind}" is registered for version "${raw.apiVersion ?? ''}" in scheme "pkg/scheduler/apis/config/scheme/scheme.go:30"`);
  }
  const unknown: string[] = [];
  let decoded: Record<string, any>;
  try {
    decoded = decodeStrict(raw, configSchema, '', configSchema.goType, unknown) as Record<string, any>;
    for (const [i, p] of ((decoded.profiles ?? []) as any[]).entries()) {
      for (const [j, pc] of ((p.pluginConfig ?? []) as any[]).entries()) {
        const schema = pluginArgsSchemas[pc.name];
        if (!schema || pc.args === undefined) continue;
        const path = `profiles[${i}].pluginConfig[${j}].args`;
        const u: string[] = [];
        pc.args = decodeStrict(pc.args, schema, '', schema.goType, u);
        unknown.push(...u.map((f) => `${path}.${f}`));
      }
    }
  } catch (err) {
    if (err instanceof DecodeError) throw new ConfigError(`failed to decode ${source}: ${err.message}`);
    throw err;
  }
  if (unknown.length) throw new ConfigError(`failed to decode ${source}: strict decoding error: ${unknown.map((f) => `unknown field "${f}"`).join(', ')}`);
  const cfg = defaultConfig(decoded);
  const errs = validateConfig(cfg);
  if (errs.length) throw new ConfigError(`invalid configuration in ${source}: ${aggregateMessage(errs)}`);
  return cfg;
}

export function loadConfigFile(path: string): KubeSchedulerConfiguration {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`open ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`);
  }
  return parseConfig(text, `config file "${path}"`);
}
