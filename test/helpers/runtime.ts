/**
 * A real runtime on a temporary data directory, with the project's own mappings (the
 * randomized share of searches off unless a test brings its own MAPPINGS_DIR).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import { loadConfig } from '../../src/main/config.ts';
import { createLogger } from '../../src/main/logger.ts';
import { createRuntime, type Runtime, type RuntimeOptions } from '../../src/main/runtime.ts';

export function temporaryDirectory(prefix = 'hybrid-search-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export async function createTestRuntime(
  env: Record<string, string> = {},
  options: RuntimeOptions = {},
): Promise<Runtime> {
  const config = loadConfig({
    DATA_DIR: env.DATA_DIR ?? temporaryDirectory(),
    MODELS_DIR: inject('encoderModelsDir'),
    MAPPINGS_DIR: inject('mappingsDir'),
    LOG_LEVEL: 'silent',
    DEMO_CATALOG: 'off',
    ...env,
  });
  return createRuntime(config, { logger: createLogger('silent'), ...options });
}
