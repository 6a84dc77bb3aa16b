// `k8ts migrate-storage --from=SRC --to=DST`: moves a stopped cluster's data between the embedded
// store and etcd (both ways). SRC/DST as k3s's --datastore-endpoint spells them:
//   sqlite:PATH | sqlite://PATH   the embedded store (a .db file, or a `k8ts server` --data-dir)
//   etcd:URL[,URL] | http(s)://host:port[,...]   an etcd cluster (TLS: --etcd-cafile/certfile/keyfile)
// The copy and its checks are src/storage/migrate.ts.

import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FlagError, flagUsage, parseFlags, type FlagDef } from '../util/flags.js';
import { openStore, type Store } from '../storage/index.js';
import { migrate, MigrationError } from '../storage/migrate.js';

const flags: FlagDef[] = [
  { name: 'from', type: 'string', default: '', help: 'Source store: sqlite:PATH (a database file or a k8ts --data-dir) or etcd:URL[,URL] (also plain http(s)://host:port[,...])' },
  { name: 'to', type: 'string', default: '', help: 'Target store, same forms as --from; it must hold no keys under --etcd-prefix unless --force' },
  { name: 'etcd-prefix', type: 'string', default: '/registry', help: 'Copy the keys under this prefix' },
  { name: 'etcd-cafile', type: 'string', default: '', help: 'SSL Certificate Authority file used to secure etcd communication' },
  { name: 'etcd-certfile', type: 'string', default: '', help: 'SSL certification file used to secure etcd communication' },
  { name: 'etcd-keyfile', type: 'string', default: '', help: 'SSL key file used to secure etcd communication' },
  { name: 'force', type: 'bool', default: false, help: 'Write into a target that already holds keys (resourceVersions then change)' },
];

const HELP = `Copies every key of a cluster's store to another store (embedded sqlite <-> etcd) and checks
that nothing was lost: object counts per resource and each key's bytes and resourceVersion.
Stop the API server (k8ts server) first; start it on the target afterwards.

Usage:
  k8ts migrate-storage --from=sqlite:/var/lib/k8ts --to=https://127.0.0.1:2379 --etcd-cafile=... 
  k8ts migrate-storage --from=etcd:http://127.0.0.1:2379 --to=sqlite:/var/lib/k8ts

Flags:
`;

type Endpoint = { backend: 'sqlite'; path: string } | { backend: 'etcd3'; endpoints: string[] };

/** Parses a --from/--to value. */
export function parseEndpoint(v: string): Endpoint {
  if (v.startsWith('sqlite:')) {
    let path = v.slice('sqlite:'.length);
    if (path.startsWith('//')) path = path.slice(2);
    path = path.replace(/\?.*$/, '');
    if (!path) throw new FlagError(`invalid store ${JSON.stringify(v)}: sqlite needs a path`);
    // a k8ts data dir holds its store at db/state.db
    if (existsSync(path) && statSync(path).isDirectory()) path = join(path, 'db', 'state.db');
    return { backend: 'sqlite', path };
  }
  const urls = (v.startsWith('etcd:') ? v.slice('etcd:'.length) : v).split(',').map((s) => s.trim()).filter(Boolean);
  if (!urls.length || !urls.every((u) => /^https?:\/\/[^/]+\/?$/.test(u))) {
    throw new FlagError(`invalid store ${JSON.stringify(v)}: expected sqlite:PATH or etcd:http(s)://host:port[,...]`);
  }
  return { backend: 'etcd3', endpoints: urls };
}

function describe(e: Endpoint): string {
  return e.backend === 'sqlite' ? `sqlite:${e.path}` : `etcd:${e.endpoints.join(',')}`;
}

export async function run(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(HELP + flagUsage(flags) + '\n');
    return 0;
  }
  let from: Endpoint;
  let to: Endpoint;
  let v;
  try {
    v = parseFlags(flags, args).values;
    if (!v.from || !v.to) throw new FlagError('--from and --to are required');
    from = parseEndpoint(v.from as string);
    to = parseEndpoint(v.to as string);
    if (from.backend === 'sqlite' && to.backend === 'sqlite' && from.path === to.path) throw new FlagError('--from and --to are the same store');
  } catch (e) {
    if (!(e instanceof FlagError)) throw e;
    process.stderr.write(`Error: ${e.message}\n`);
    return 1;
  }
  const tls = { ca: (v['etcd-cafile'] as string) || undefined, cert: (v['etcd-certfile'] as string) || undefined, key: (v['etcd-keyfile'] as string) || undefined };
  const prefix = ((v['etcd-prefix'] as string) || '/registry').replace(/\/+$/, '') + '/';
  const open = (e: Endpoint): Promise<Store> => {
    if (e.backend === 'sqlite' && e === from && !existsSync(e.path)) throw new MigrationError(`no embedded store at ${e.path}`);
    return e.backend === 'sqlite' ? openStore({ backend: 'sqlite', path: e.path }) : openStore({ backend: 'etcd3', endpoints: e.endpoints, ...tls });
  };
  const stores: Store[] = [];
  const t0 = Date.now();
  try {
    const src = await open(from);
    stores.push(src);
    const dst = await open(to);
    stores.push(dst);
    process.stdout.write(`migrating ${prefix} from ${describe(from)} to ${describe(to)}\n`);
    const report = await migrate(src, dst, { prefix, force: v.force as boolean, log: (line) => process.stdout.write(line + '\n') });
    process.stdout.write(`done in ${((Date.now() - t0) / 1000).toFixed(1)}s: ${report.keys} keys\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`Error: ${(e as Error).message}\n`);
    return 1;
  } finally {
    for (const s of stores) await s.close().catch(() => {});
  }
}
