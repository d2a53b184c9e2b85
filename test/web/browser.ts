/**
 * The pages in a real browser: Debian's chromium driven by playwright-core, against the
 * real service (a runtime on a temporary data directory, started the way `serve` starts
 * it, listening on a random port). Without /usr/bin/chromium the browser tests are skipped
 * with that reason; `.ci/run` installs it, so CI runs them.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, chromium, type Page } from 'playwright-core';
import { prepareToServe, type Runtime } from '../../src/main/runtime.ts';
import { createTestRuntime } from '../helpers/runtime.ts';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = fs.existsSync(CHROMIUM);
export const NO_CHROMIUM = `browser tests skipped: ${CHROMIUM} is missing (apt-get install chromium; .ci/run does)`;

export interface LiveService {
  runtime: Runtime;
  url: string;
  close(): Promise<void>;
}

/** Builds the pages, then starts the service with the demo catalog, as a first start does. */
export async function startService(env: Record<string, string> = {}): Promise<LiveService> {
  execFileSync(process.execPath, ['scripts/build-web.mjs'], { stdio: 'ignore' });
  const runtime = await createTestRuntime({ DEMO_CATALOG: 'auto', RATE_LIMIT: 'off', ...env });
  await prepareToServe(runtime);
  const server: Server = await new Promise((resolve) => {
    const listening = runtime.createApp().listen(0, '127.0.0.1', () => resolve(listening));
  });
  const { port } = server.address() as AddressInfo;
  return {
    runtime,
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await runtime.close();
    },
  };
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** Errors the page logs (a CSP violation, a failed script) fail the test that reads them. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (
      message.type() === 'error' &&
      !/Failed to load resource.*images\.example\.com|ERR_NAME_NOT_RESOLVED/.test(message.text())
    )
      errors.push(message.text());
  });
  return errors;
}
