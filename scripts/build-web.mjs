#!/usr/bin/env node
/**
 * Bundles the pages under web/ (Preact + TypeScript) with esbuild into web/dist: the HTML
 * files as they are, one script and one stylesheet per page under web/dist/assets. Nothing
 * is fetched at build or run time (esbuild's binary ships in its platform package). Run by
 * `npm install` (prepare) and `npm start`; `npm run build:web` by hand.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const web = fileURLToPath(new URL('../web', import.meta.url));
const dist = path.join(web, 'dist');
const PAGES = ['search', 'console', 'docs'];

fs.rmSync(dist, { recursive: true, force: true });
fs.mkdirSync(path.join(dist, 'assets'), { recursive: true });
for (const file of fs.readdirSync(web))
  if (file.endsWith('.html')) fs.copyFileSync(path.join(web, file), path.join(dist, file));
const started = performance.now();
await esbuild.build({
  entryPoints: Object.fromEntries(PAGES.map((page) => [page, path.join(web, 'src', page, 'main.tsx')])),
  outdir: path.join(dist, 'assets'),
  bundle: true,
  minify: true,
  sourcemap: true,
  format: 'esm',
  target: ['es2022'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  logLevel: 'warning',
});
console.error(
  `web pages built into ${path.relative(process.cwd(), dist) || dist} in ${Math.round(performance.now() - started)} ms`,
);
