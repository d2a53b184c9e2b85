// Worker thread entry: loads the module named in workerData.entry. Under tsx (development)
// the worker does not inherit the parent's TypeScript loader, so it registers it first; a
// compiled build loads its .js modules directly.
import { workerData } from 'node:worker_threads';

if (workerData.entry.endsWith('.ts')) {
  const { register } = await import('tsx/esm/api');
  register();
}
await import(workerData.entry);
