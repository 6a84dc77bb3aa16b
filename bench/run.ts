// `npm run bench`: runs every benchmark module and prints one table of figures.
// Each module exports run(): Promise<Row[]>. Figures are targets, not tests.

export interface Row {
  name: string;
  value: number;
  unit: string;
  target?: string;
}

const modules: { name: string; load: () => Promise<{ run(): Promise<Row[]> }> }[] = [
  { name: 'storage', load: () => import('./storage.js') },
  { name: 'api', load: () => import('./api.js') },
  { name: 'authz', load: () => import('./authz.js') },
  { name: 'authn', load: () => import('./authn.js') },
  { name: 'scheduler', load: () => import('./scheduler.js') },
  { name: 'simnodes', load: () => import('./simnodes.js') },
  { name: 'deployment', load: () => import('./deployment.js') },
  { name: 'scale', load: () => import('./scale.js') },
  { name: 'kubelet', load: () => import('./kubelet.js') },
  { name: 'ssa', load: () => import('./ssa.js') },
  { name: 'etcd', load: () => import('./etcd.js') },
  { name: 'openapi', load: () => import('./openapi.js') },
  { name: 'webhooks', load: () => import('./webhooks.js') },
  { name: 'crd', load: () => import('./crd.js') },
];

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v) >= 100) return v.toFixed(0);
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

async function main() {
  const only = process.argv.slice(2);
  const rows: (Row & { group: string })[] = [];
  for (const m of modules) {
    if (only.length && !only.includes(m.name)) continue;
    process.stderr.write(`# running ${m.name} benchmarks...\n`);
    const mod = await m.load();
    for (const r of await mod.run()) {
      rows.push({ ...r, group: m.name });
      process.stderr.write(`  ${r.name}: ${fmt(r.value)} ${r.unit}\n`);
    }
  }
  const w = Math.max(...rows.map((r) => r.name.length), 10);
  const lines = [
    `| ${'benchmark'.padEnd(w)} | ${'value'.padStart(10)} | unit     | target |`,
    `|${'-'.repeat(w + 2)}|${'-'.repeat(12)}|----------|--------|`,
    ...rows.map((r) => `| ${r.name.padEnd(w)} | ${fmt(r.value).padStart(10)} | ${r.unit.padEnd(8)} | ${r.target ?? ''} |`),
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${err?.stack ?? err}\n`);
    process.exit(1);
  },
);
