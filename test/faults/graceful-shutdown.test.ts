/**
 * Issue 14, finding 10: under load, SIGTERM reset 8 of 8 in-flight requests. The real
 * service runs in a child process (`hybrid-search serve`); 16 clients search without
 * pause; then it gets SIGTERM. Readiness must fail first while searches are still
 * answered, every request sent (before the signal and until the load balancer would have
 * stopped sending) must be answered, none reset, and the process must exit 0.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { temporaryDirectory } from '../helpers/runtime.ts';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function errorCode(error: unknown): string {
  const cause = (error as { cause?: { code?: string } }).cause;
  return cause?.code ?? (error as Error).message;
}

describe('graceful shutdown of the real service (finding 10)', () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
  });

  it('fails readiness first, answers every request sent before SIGTERM, resets none', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    let output = '';
    // node itself (not the tsx wrapper process), so the signal reaches the service directly.
    child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', 'serve'], {
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: temporaryDirectory('shutdown-'),
        EMBEDDER: 'hashing',
        DEMO_CATALOG: 'auto',
        RATE_LIMIT: 'off',
        JOBS_SCHEDULER: 'off',
        SHUTDOWN_DELAY_SECONDS: '3',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));

    for (let started = Date.now(); ; await sleep(250)) {
      const ready = await fetch(`${base}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ready) break;
      if (child.exitCode !== null || Date.now() - started > 180_000) throw new Error(`not ready:\n${output}`);
    }

    // Clients behave like a load balancer's traffic: they keep sending until shortly after
    // readiness fails (the balancer noticing), then send nothing new. Every request sent,
    // before SIGTERM and during the readiness delay, must be answered; none reset or refused.
    let signalledAt = Number.POSITIVE_INFINITY;
    let balancerStopsAt = Number.POSITIVE_INFINITY;
    const before = { sent: 0, ok: 0 };
    const during = { sent: 0, ok: 0 };
    const failed: string[] = [];
    const client = async (i: number) => {
      const queries = ['drill', 'lawn mower', 'headphones', 'faucet', 'skillet', 'hose'];
      for (let n = 0; Date.now() < balancerStopsAt; n++) {
        const tally = Date.now() < signalledAt ? before : during;
        tally.sent++;
        try {
          const res = await fetch(
            `${base}/v1/search?q=${encodeURIComponent(queries[(i + n) % queries.length]!)}`,
          );
          await res.json();
          if (res.status === 200) tally.ok++;
          else failed.push(`status ${res.status}`);
        } catch (error) {
          failed.push(errorCode(error));
        }
      }
    };
    const clients = Array.from({ length: 16 }, (_, i) => client(i));
    await sleep(1500);

    signalledAt = Date.now();
    child.kill('SIGTERM');
    let readiness: number | string = 'never 503';
    for (const until = Date.now() + 2500; Date.now() < until; await sleep(100)) {
      readiness = await fetch(`${base}/readyz`).then(
        async (r) => {
          await r.text();
          return r.status;
        },
        (error) => errorCode(error),
      );
      if (readiness !== 200) break;
    }
    balancerStopsAt = Date.now() + 1000;
    expect(readiness, output).toBe(503);
    await Promise.all(clients);
    const code = await exited;

    console.log(
      `shutdown: before SIGTERM ${before.sent} sent, ${before.ok} answered; during the readiness delay ${during.sent} sent, ${during.ok} answered; ${failed.length} failed`,
    );
    expect(code, output).toBe(0);
    expect(failed).toEqual([]);
    expect(before.sent).toBeGreaterThan(16);
    expect(before.ok).toBe(before.sent);
    expect(during.ok).toBe(during.sent);
    expect(during.sent).toBeGreaterThan(0);
  });
});
