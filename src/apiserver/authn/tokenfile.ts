// Static bearer tokens from --token-auth-file, as upstream's tokenfile authenticator
// (k8s.io/apiserver/pkg/authentication/token/tokenfile): a CSV file read with Go's
// encoding/csv rules, one `token,user,uid[,"group1,group2"]` record per line. Parse errors
// carry Go's texts ("parse error on line 3, column 7: bare \" in non-quoted-field", "token
// file '/x' must have at least 3 columns (token, user name, user uid), found 2").

import { readFileSync } from 'node:fs';
import type { UserInfo } from '../endpoints/context.js';
import type { TokenAuthenticatorSource, TokenResult } from './index.js';

/** Go's csv.ParseError. */
export class CSVParseError extends Error {
  constructor(
    readonly startLine: number,
    readonly line: number,
    readonly column: number,
    readonly reason: string,
  ) {
    super(startLine !== line
      ? `record on line ${startLine}; parse error on line ${line}, column ${column}: ${reason}`
      : `parse error on line ${line}, column ${column}: ${reason}`);
    this.name = 'CSVParseError';
  }
}

const ERR_BARE_QUOTE = 'bare " in non-quoted-field';
const ERR_QUOTE = 'extraneous or missing " in quoted-field';

/**
 * Go's encoding/csv Reader (Comma ',', no comments, LazyQuotes false, FieldsPerRecord -1):
 * empty lines are skipped, \r\n is read as \n, quoted fields may span lines. Columns in errors
 * are 1-based byte offsets, as Go reports them.
 */
export function parseCSV(content: string): string[][] {
  const data = Buffer.from(content, 'utf8');
  let offset = 0;
  let numLine = 0;
  const readLine = (): Buffer | undefined => {
    if (offset >= data.length) return undefined;
    const nl = data.indexOf(0x0a, offset);
    let line: Buffer;
    if (nl < 0) {
      line = data.subarray(offset);
      offset = data.length;
      // for backwards compatibility, Go drops a trailing \r before EOF
      if (line.length && line[line.length - 1] === 0x0d) line = line.subarray(0, line.length - 1);
    } else {
      line = data.subarray(offset, nl + 1);
      offset = nl + 1;
    }
    numLine++;
    const n = line.length;
    if (n >= 2 && line[n - 2] === 0x0d && line[n - 1] === 0x0a) line = Buffer.concat([line.subarray(0, n - 2), Buffer.from('\n')]);
    return line;
  };
  const lengthNL = (b: Buffer) => (b.length > 0 && b[b.length - 1] === 0x0a ? 1 : 0);

  const records: string[][] = [];
  for (;;) {
    let line: Buffer | undefined;
    for (;;) {
      line = readLine();
      if (line === undefined) break;
      if (line.length === lengthNL(line)) continue; // skip empty lines
      break;
    }
    if (line === undefined) return records;

    const recLine = numLine;
    const fields: string[] = [];
    let pos = { line: numLine, col: 1 };
    let eof = false;
    parseField: for (;;) {
      if (line.length === 0 || line[0] !== 0x22) {
        // non-quoted field
        const i = line.indexOf(0x2c);
        const field = i >= 0 ? line.subarray(0, i) : line.subarray(0, line.length - lengthNL(line));
        const j = field.indexOf(0x22);
        if (j >= 0) throw new CSVParseError(recLine, numLine, pos.col + j, ERR_BARE_QUOTE);
        fields.push(field.toString('utf8'));
        if (i >= 0) {
          line = line.subarray(i + 1);
          pos.col += i + 1;
          continue parseField;
        }
        break parseField;
      } else {
        // quoted field
        const parts: Buffer[] = [];
        line = line.subarray(1);
        pos.col += 1;
        for (;;) {
          const i = line.indexOf(0x22);
          if (i >= 0) {
            parts.push(line.subarray(0, i));
            line = line.subarray(i + 1);
            pos.col += i + 1;
            if (line.length > 0 && line[0] === 0x22) {
              parts.push(Buffer.from('"'));
              line = line.subarray(1);
              pos.col += 1;
            } else if (line.length > 0 && line[0] === 0x2c) {
              line = line.subarray(1);
              pos.col += 1;
              fields.push(Buffer.concat(parts).toString('utf8'));
              continue parseField;
            } else if (lengthNL(line) === line.length) {
              fields.push(Buffer.concat(parts).toString('utf8'));
              break parseField;
            } else {
              throw new CSVParseError(recLine, numLine, pos.col - 1, ERR_QUOTE);
            }
          } else if (line.length > 0) {
            // end of line inside a quoted field: keep the newline and continue on the next line
            parts.push(line);
            if (eof) {
              fields.push(Buffer.concat(parts).toString('utf8'));
              break parseField;
            }
            pos.col += line.length;
            const next = readLine();
            if (next === undefined) {
              eof = true;
              line = Buffer.alloc(0);
            } else {
              line = next;
              if (line.length > 0) pos = { line: pos.line + 1, col: 1 };
            }
          } else {
            // abrupt end of file
            throw new CSVParseError(recLine, pos.line, pos.col, ERR_QUOTE);
          }
        }
      }
    }
    records.push(fields);
  }
}

/** The users of a token file, keyed by token. */
export class TokenFile implements TokenAuthenticatorSource {
  readonly name = 'tokenfile';
  /** Upstream's klog warnings (empty and duplicate tokens). */
  readonly warnings: string[] = [];

  private constructor(
    readonly path: string,
    private readonly tokens: Map<string, UserInfo>,
  ) {}

  /** Upstream's tokenfile.NewCSV over the file's content. Throws Go's error texts. */
  static parse(content: string, path: string): TokenFile {
    const tokens = new Map<string, UserInfo>();
    const tf = new TokenFile(path, tokens);
    let recordNum = 0;
    for (const record of parseCSV(content)) {
      if (record.length < 3) {
        throw new Error(`token file '${path}' must have at least 3 columns (token, user name, user uid), found ${record.length}`);
      }
      recordNum++;
      if (record[0] === '') {
        tf.warnings.push(`empty token has been found in token file '${path}', record number '${recordNum}'`);
        continue;
      }
      if (tokens.has(record[0])) {
        tf.warnings.push(`duplicate token has been found in token file '${path}', record number '${recordNum}'`);
      }
      const user: UserInfo = { username: record[1], uid: record[2], groups: record.length >= 4 ? record[3].split(',') : [] };
      tokens.set(record[0], user);
    }
    return tf;
  }

  /** Read and parse --token-auth-file (errors as Go's os.Open / csv / tokenfile errors). */
  static load(path: string): TokenFile {
    let content: string;
    try {
      content = readFileSync(path, 'utf8');
    } catch (e) {
      throw new Error(goFileError(path, e));
    }
    return TokenFile.parse(content, path);
  }

  get size(): number {
    return this.tokens.size;
  }

  /** The user of a token (a copy), or undefined. */
  lookup(token: string): UserInfo | undefined {
    const u = this.tokens.get(token);
    return u ? { username: u.username, uid: u.uid, groups: [...u.groups] } : undefined;
  }

  authenticateToken(token: string): TokenResult {
    const user = this.lookup(token);
    return user ? { ok: true, user, audiences: [] } : { ok: false };
  }
}

/** Go's *PathError text for a failed open/read. */
export function goFileError(path: string, e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ENOENT': return `open ${path}: no such file or directory`;
    case 'EACCES': return `open ${path}: permission denied`;
    case 'EISDIR': return `read ${path}: is a directory`;
    case 'ENOTDIR': return `open ${path}: not a directory`;
    default: return `open ${path}: ${(e as Error)?.message ?? String(e)}`;
  }
}
