import type { Config } from '../config.ts';
import type { Embedder } from './embedder.ts';
import { HashingEmbedder } from './hashing-embedder.ts';

export function createEmbedder(_config: Config): Embedder {
  return new HashingEmbedder();
}
