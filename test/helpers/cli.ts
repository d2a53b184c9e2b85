/** The command line as a person runs it: `bin/hybrid-search.js` in a child process. */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { inject } from 'vitest';
import { temporaryDirectory } from './runtime.ts';

export interface CliOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI with the embedded backend on the test's encoder models, silent logs and no
 * demo catalog; `env` adds to or overrides that (a fresh DATA_DIR unless it names one).
 */
export function runCli(
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 30_000,
): Promise<CliOutcome> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => !key.startsWith('ELASTICSEARCH_') && key !== 'SEARCH_BACKEND',
    ),
  );
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/hybrid-search.js', ...args],
      {
        env: {
          ...inherited,
          DATA_DIR: temporaryDirectory(),
          MODELS_DIR: inject('encoderModelsDir'),
          LOG_LEVEL: 'silent',
          DEMO_CATALOG: 'off',
          ...env,
        },
        timeout: timeoutMs,
      },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });
}

/** A file with this name and content in a fresh temporary directory; returns its path. */
export function temporaryFile(name: string, content: string): string {
  const target = path.join(temporaryDirectory(), name);
  fs.writeFileSync(target, content);
  return target;
}
