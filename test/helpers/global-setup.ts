/**
 * Trains the in-house encoder once for the whole test run (on the demo catalog, as a
 * fresh install does) so every test runtime uses the real default embedder without
 * training its own, and compiles dist/ (the production build) so the tests that run
 * bin/hybrid-search.js in a child process run the compiled build, as production does.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { demoCatalogRecord, demoCatalogTexts } from '../../src/catalog/demo-catalog.ts';
import { activateEncoder, saveEncoderArtifact } from '../../src/embeddings/encoder/encoder-artifact.ts';
import { trainEncoder } from '../../src/embeddings/encoder/train-encoder.ts';
import { BOOTSTRAP_TRAINING } from '../../src/main/create-embedder.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    encoderModelsDir: string;
    /** The project's mappings with the randomized share off, so searches compare exactly. */
    mappingsDir: string;
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const modelsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hybrid-search-models-'));
  const artifact = await trainEncoder(demoCatalogTexts(), [], {
    ...BOOTSTRAP_TRAINING,
    catalog: demoCatalogRecord(),
  });
  saveEncoderArtifact(modelsDir, artifact);
  activateEncoder(modelsDir, artifact.metadata.version);
  project.provide('encoderModelsDir', modelsDir);
  const mappingsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hybrid-search-mappings-'));
  fs.cpSync(path.resolve('mappings'), mappingsDir, { recursive: true });
  const search = path.join(mappingsDir, 'search.yaml');
  fs.writeFileSync(search, fs.readFileSync(search, 'utf8').replace(/share: [\d.]+/, 'share: 0'));
  project.provide('mappingsDir', mappingsDir);
  return () => {
    fs.rmSync(modelsDir, { recursive: true, force: true });
    fs.rmSync(mappingsDir, { recursive: true, force: true });
  };
}
