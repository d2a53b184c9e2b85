/**
 * Benchmarks' service: the compiled build (`node dist/cli/index.js serve`, as `npm start`
 * runs it) in a child process on a copy of a prepared data directory, so every run starts
 * from the same store and the events it takes do not pile up in the cache.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export interface BenchService {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts the service on a copy of `dataDir` and resolves once all `workers` listen. */
export async function startBenchService(options: {
  dataDir: string;
  modelsDir: string;
  workers: number;
  scratchDir: string;
  env?: Record<string, string>;
}): Promise<BenchService> {
  if (!fs.existsSync('dist/cli/index.js')) throw new Error('dist/ is missing: run `npm run build` first');
  const runDir = path.join(options.scratchDir, `run-${options.workers}w-${Date.now()}`);
  fs.cpSync(options.dataDir, runDir, { recursive: true });
  const port = await freePort();
  const child = spawn(process.execPath, ['dist/cli/index.js', 'serve'], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: runDir,
      MODELS_DIR: options.modelsDir,
      WORKERS: String(options.workers),
      LOG_LEVEL: 'info',
      DEMO_CATALOG: 'off',
      JOBS_SCHEDULER: 'off',
      RATE_LIMIT: 'off',
      EVENT_MAX_AGE_HOURS: 'off',
      EVENT_MAX_DELAY_MINUTES: 'off',
      SHUTDOWN_DELAY_SECONDS: '0',
      ...options.env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    let listening = 0;
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      log = (log + chunk).slice(-10_000);
      listening += chunk.split('"msg":"search service listening"').length - 1;
      if (listening >= options.workers) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the service exited (${code}): ${log.slice(-2000)}`)));
  });
  child.stderr!.resume();
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    stop: async () => {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await exited;
      fs.rmSync(runDir, { recursive: true, force: true });
    },
  };
}
