/**
 * CPU-heavy work (model training) on a worker thread, so the service's event loop keeps
 * answering searches while it runs on the other core. The parent sends one input, the
 * worker reports progress and one result (or an error) and ends.
 */
import { parentPort, Worker, workerData } from 'node:worker_threads';

type Message<Progress, Result> =
  | { type: 'progress'; value: Progress }
  | { type: 'done'; value: Result }
  | { type: 'error'; message: string };

export interface WorkerRunOptions<Progress> {
  onProgress?: (progress: Progress) => void;
  /** Terminates the worker; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Buffers handed to the worker instead of copied. */
  transfer?: ArrayBuffer[];
}

/** Runs the worker module `entry` (a file URL) on `input`. */
export function runInWorker<Input, Result, Progress = never>(
  entry: URL,
  input: Input,
  options: WorkerRunOptions<Progress> = {},
): Promise<Result> {
  const { signal } = options;
  signal?.throwIfAborted();
  return new Promise<Result>((resolve, reject) => {
    const worker = new Worker(new URL('./worker-bootstrap.mjs', import.meta.url), {
      workerData: { entry: entry.href, input },
      ...(options.transfer && { transferList: options.transfer }),
    });
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', abort);
      outcome();
      void worker.terminate();
    };
    const abort = () => settle(() => reject(signal!.reason));
    signal?.addEventListener('abort', abort, { once: true });
    worker.on('message', (message: Message<Progress, Result>) => {
      if (message.type === 'progress') options.onProgress?.(message.value);
      else if (message.type === 'done') settle(() => resolve(message.value));
      else settle(() => reject(new Error(message.message)));
    });
    worker.on('error', (error) => settle(() => reject(error)));
    worker.on('exit', (code) => settle(() => reject(new Error(`the worker stopped (exit code ${code})`))));
  });
}

/** Worker side: runs `handler` on the parent's input and posts its progress and result. */
export function serveWorker<Input, Result, Progress = never>(
  handler: (
    input: Input,
    progress: (value: Progress) => void,
  ) => Promise<{ result: Result; transfer?: ArrayBuffer[] }>,
): void {
  const port = parentPort;
  if (!port) throw new Error('serveWorker runs in a worker thread');
  const input = (workerData as { input: Input }).input;
  handler(input, (value) => port.postMessage({ type: 'progress', value }))
    .then(({ result, transfer }) => port.postMessage({ type: 'done', value: result }, transfer ?? []))
    .catch((error: unknown) =>
      port.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error) }),
    );
}
