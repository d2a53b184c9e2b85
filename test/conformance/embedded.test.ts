import path from 'node:path';
import { EmbeddedBackend } from '../../src/backends/embedded/embedded-backend.ts';
import { HashingEmbedder } from '../../src/embeddings/hashing-embedder.ts';
import { temporaryDirectory } from '../helpers/runtime.ts';
import { describeBackendConformance } from './backend-conformance.ts';

describeBackendConformance('embedded (SQLite)', async () => {
  const embedder = new HashingEmbedder();
  const backend = new EmbeddedBackend({ dataDir: path.join(temporaryDirectory(), 'store'), embedder });
  await backend.open();
  return { backend, embedder, refresh: async () => {}, dispose: () => backend.close() };
});
