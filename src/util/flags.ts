// Command-line flags in upstream (pflag) form: `--name=value`, `--name value`, `--bool`,
// `--bool=false`, repeated flags for lists. Unknown flags are an error naming the flag,
// as upstream binaries do ("Error: unknown flag: --foo").

export type FlagType = 'string' | 'int' | 'bool' | 'duration' | 'stringSlice' | 'stringArray';

export interface FlagDef {
  name: string;
  type: FlagType;
  default?: string | number | boolean | string[];
  help: string;
  /** Accepted for compatibility with upstream command lines; logs that it has no effect. */
  ignored?: boolean;
}

export class FlagError extends Error {}

export type FlagValues = Record<string, string | number | boolean | string[] | undefined>;

/** Parse a Go-style duration ("5m", "1h30m", "10s", "500ms") to milliseconds. */
export function parseDuration(s: string): number {
  if (/^\d+$/.test(s)) return Number(s) * 1000;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;
  let total = 0;
  let consumed = 0;
  let m: RegExpExecArray | null;
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60000, h: 3600000 };
  while ((m = re.exec(s))) {
    total += Number(m[1]) * units[m[2]];
    consumed += m[0].length;
  }
  if (consumed !== s.length || s.length === 0) throw new FlagError(`invalid duration "${s}"`);
  return total;
}

export function parseFlags(defs: FlagDef[], argv: string[]): { values: FlagValues; positional: string[]; set: Set<string> } {
  const byName = new Map(defs.map((d) => [d.name, d]));
  const values: FlagValues = {};
  const set = new Set<string>();
  for (const d of defs) values[d.name] = Array.isArray(d.default) ? [...d.default] : d.default;
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      positional.push(a);
      continue;
    }
    const body = a.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq >= 0 ? body.slice(0, eq) : body;
    const def = byName.get(name);
    if (!def) throw new FlagError(`unknown flag: --${name}`);
    let raw: string | undefined = eq >= 0 ? body.slice(eq + 1) : undefined;
    if (raw === undefined) {
      if (def.type === 'bool') raw = 'true';
      else {
        raw = argv[++i];
        if (raw === undefined) throw new FlagError(`flag needs an argument: --${name}`);
      }
    }
    // strip shell-style quotes left by unit files ('api/all=true')
    if (raw.length >= 2 && ((raw.startsWith("'") && raw.endsWith("'")) || (raw.startsWith('"') && raw.endsWith('"')))) raw = raw.slice(1, -1);
    const invalid = (why: string) => new FlagError(`invalid argument "${raw}" for "--${name}" flag: ${why}`);
    switch (def.type) {
      case 'bool':
        if (!/^(true|false|1|0|t|f|TRUE|FALSE|True|False)$/.test(raw)) throw invalid('strconv.ParseBool: parsing "' + raw + '": invalid syntax');
        values[name] = /^(true|1|t|TRUE|True)$/.test(raw);
        break;
      case 'int':
        if (!/^-?\d+$/.test(raw)) throw invalid(`strconv.ParseInt: parsing "${raw}": invalid syntax`);
        values[name] = Number(raw);
        break;
      case 'duration':
        try {
          values[name] = parseDuration(raw);
        } catch {
          throw invalid(`time: invalid duration "${raw}"`);
        }
        break;
      case 'stringSlice': {
        const prev = set.has(name) ? (values[name] as string[]) : [];
        values[name] = [...prev, ...raw.split(',').filter((x) => x !== '')];
        break;
      }
      case 'stringArray': {
        // pflag's StringArray: repeatable, values kept whole (commas included)
        const prev = set.has(name) ? (values[name] as string[]) : [];
        values[name] = [...prev, raw];
        break;
      }
      default:
        values[name] = raw;
    }
    set.add(name);
  }
  return { values, positional, set };
}

export function flagUsage(defs: FlagDef[]): string {
  return defs
    .filter((d) => !d.ignored)
    .map((d) => {
      const def = d.default === undefined || d.default === '' ? '' : ` (default ${Array.isArray(d.default) ? `[${d.default.join(',')}]` : d.type === 'duration' ? `${Number(d.default) / 1000}s` : JSON.stringify(d.default)})`;
      return `      --${d.name}${d.type === 'bool' ? '' : ' ' + d.type}\n            ${d.help}${def}`;
    })
    .join('\n');
}
