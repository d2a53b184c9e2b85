/**
 * The real service in a child process (`hybrid-search serve` under node, not the tsx
 * wrapper, so signals reach it directly) for the fault suite: started on a free port,
 * waited on until ready, its output kept for failure messages.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface ServiceProcess {
  base: string;
  child: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resident set size of the child in bytes (Linux /proc), or undefined once it is gone. */
  rss(): number | undefined;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export const ADMIN_KEY = 'fault-suite-admin-key-0123456789';

/** Starts `serve` with the environment a test needs on top of quiet, keyed, deterministic defaults. */
export async function startService(
  env: Record<string, string>,
  readyWithinMs = 180_000,
): Promise<ServiceProcess> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', 'serve'], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      EMBEDDER: 'hashing',
      DEMO_CATALOG: 'off',
      RATE_LIMIT: 'off',
      JOBS_SCHEDULER: 'off',
      ADMIN_API_KEY: ADMIN_KEY,
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const service: ServiceProcess = {
    base,
    child,
    output: () => output,
    exited,
    rss: () => {
      try {
        const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
        const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
        return kb ? Number(kb) * 1024 : undefined;
      } catch {
        return undefined;
      }
    },
    stop: async (signal = 'SIGKILL') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
  for (let started = Date.now(); ; await sleep(200)) {
    const ready = await fetch(`${base}/readyz`).then(
      async (r) => {
        await r.text();
        return r.status === 200;
      },
      () => false,
    );
    if (ready) return service;
    if (child.exitCode !== null || Date.now() - started > readyWithinMs) {
      await service.stop();
      throw new Error(`the service did not become ready:\n${output}`);
    }
  }
}

/** Runs `work` over `items` with at most `concurrency` at once. */
export async function eachLimited<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}
