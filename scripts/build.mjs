#!/usr/bin/env node
/**
 * The production build: `tsc -p tsconfig.build.json` compiles src/ to dist/ (same layout,
 * so paths relative to a module, like ../../web/dist or ../../package.json, hold in both),
 * then the files under src/ that are not TypeScript (demo-catalog.json, the worker
 * bootstrap, anything added later) are copied beside the compiled modules. Run by
 * `npm start` (prestart) and `npm run build`; `npm run dev` keeps running the sources
 * through tsx.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = path.join(root, 'src');
const dist = path.join(root, 'dist');
// Built beside dist/ and swapped in at the end, so a service or benchmark running from dist/
// meanwhile never finds it half-written (or gone). Same depth, so relative paths hold.
const next = path.join(root, 'dist.next');
const started = performance.now();

fs.rmSync(next, { recursive: true, force: true });
execFileSync(
  path.join(root, 'node_modules', '.bin', 'tsc'),
  ['-p', path.join(root, 'tsconfig.build.json'), '--outDir', next],
  { stdio: 'inherit' },
);

let assets = 0;
for (const entry of fs.readdirSync(src, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || entry.name.endsWith('.ts')) continue;
  const from = path.join(entry.parentPath, entry.name);
  const to = path.join(next, path.relative(src, from));
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.copyFileSync(from, to);
  assets++;
}
fs.rmSync(dist, { recursive: true, force: true });
fs.renameSync(next, dist);
console.log(
  `dist/: compiled src/ and copied ${assets} assets in ${Math.round(performance.now() - started)} ms`,
);
