// The query of GET /containerLogs/{ns}/{pod}/{container}: v1.PodLogOptions (follow, previous,
// sinceSeconds, sinceTime, timestamps, tailLines, limitBytes; the legacy "tail" too), decoded and
// validated as upstream's kubelet does.

export interface LogOptions {
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  /** Only lines at or after this time (ms since the epoch). */
  sinceMs?: number;
  tailLines?: number;
  limitBytes?: number;
}

/** A query the kubelet refuses: 400 (cannot decode) or 422 (invalid), with upstream's body. */
export class LogOptionsError extends Error {
  constructor(
    readonly status: 400 | 422,
    message: string,
  ) {
    super(message);
  }
}

function bool(v: string | null): boolean {
  return v === 'true' || v === '1';
}

function int(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw new LogOptionsError(400, '{"message": "Unable to decode query."}');
  return Number(v);
}

export function parseLogOptions(q: URLSearchParams, now = Date.now()): LogOptions {
  const query = new URLSearchParams(q);
  // backwards compatibility: "tail" is tailLines, "all" means no limit
  const tail = query.get('tail');
  if (tail) {
    if (tail === 'all') query.delete('tailLines');
    else query.set('tailLines', tail);
  }
  const tailLines = int(query, 'tailLines');
  const limitBytes = int(query, 'limitBytes');
  const sinceSeconds = int(query, 'sinceSeconds');
  const sinceTime = query.get('sinceTime');
  let sinceTimeMs: number | undefined;
  if (sinceTime) {
    sinceTimeMs = Date.parse(sinceTime);
    if (Number.isNaN(sinceTimeMs)) throw new LogOptionsError(400, '{"message": "Unable to decode query."}');
  }
  const invalid = (tailLines !== undefined && tailLines < 0) || (limitBytes !== undefined && limitBytes < 1) || (sinceSeconds !== undefined && sinceSeconds < 1) || (sinceSeconds !== undefined && sinceTimeMs !== undefined);
  if (invalid) throw new LogOptionsError(422, '{"message": "Invalid request."}');
  return {
    follow: bool(query.get('follow')),
    previous: bool(query.get('previous')),
    timestamps: bool(query.get('timestamps')),
    sinceMs: sinceSeconds !== undefined ? now - sinceSeconds * 1000 : sinceTimeMs,
    tailLines,
    limitBytes,
  };
}
