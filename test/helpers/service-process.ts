/**
 * The compiled service as production runs it: `node dist/cli/index.js serve` in a child
 * process (global-setup builds dist/), on a free port, with the test encoder, and its JSON
 * log (stderr) read to know when (and how many of) its serving processes listen.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import { inject } from 'vitest';
import { temporaryDirectory } from './runtime.ts';

export interface ServiceProcess {
  url: string;
  child: ChildProcess;
  /** Every JSON log line so far. */
  logs: Array<Record<string, unknown>>;
  /** Resolves once `count` more "listening" lines (serving processes up) were logged in all. */
  listening(count: number, timeoutMs?: number): Promise<void>;
  /** SIGTERM and the exit status (killed with SIGKILL after `timeoutMs`). */
  stop(timeoutMs?: number): Promise<number | null>;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function startService(env: Record<string, string> = {}): Promise<ServiceProcess> {
  const port = await freePort();
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => !key.startsWith('ELASTICSEARCH_') && key !== 'SEARCH_BACKEND',
    ),
  );
  const child = spawn(process.execPath, ['dist/cli/index.js', 'serve'], {
    env: {
      ...inherited,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: temporaryDirectory(),
      MODELS_DIR: inject('encoderModelsDir'),
      MAPPINGS_DIR: inject('mappingsDir'),
      LOG_LEVEL: 'info',
      RATE_LIMIT: 'off',
      SHUTDOWN_DELAY_SECONDS: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const listeningCount = () => logs.filter((line) => line.msg === 'search service listening').length;
  // The service logs JSON lines to stderr (stdout is the CLI's results).
  let stderr = '';
  let buffered = '';
  child.stdout!.resume();
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-20_000);
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line));
      } catch {
        logs.push({ msg: line });
      }
    }
    for (const waiter of [...waiters])
      if (listeningCount() >= waiter.count) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    logs,
    listening: (count, timeoutMs = 120_000) =>
      new Promise<void>((resolve, reject) => {
        if (listeningCount() >= count) return resolve();
        const timer = setTimeout(
          () =>
            reject(
              new Error(
                `the service did not listen ${count} times in time; its log ends: ${stderr.slice(-2000)}`,
              ),
            ),
          timeoutMs,
        );
        void exited.then((code) =>
          reject(new Error(`the service exited (status ${code}) before listening: ${stderr.slice(-2000)}`)),
        );
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      }),
    stop: async (timeoutMs = 30_000) => {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
