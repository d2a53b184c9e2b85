#!/usr/bin/env node
// Package entry for the CLI: the compiled build (dist/, made by `npm run build` and by
// `npm start`) when there is one, else the TypeScript sources through tsx's loader.
import fs from 'node:fs';

const compiled = new URL('../dist/cli/index.js', import.meta.url);
if (fs.existsSync(compiled)) {
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/index.ts');
}
