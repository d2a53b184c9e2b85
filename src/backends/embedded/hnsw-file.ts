/**
 * The approximate-nearest-neighbour graph of the kNN leg: a usearch HNSW index (cosine, f32)
 * in a file of its own beside the SQLite file (docs/adr/0010). It is written once per build
 * and never modified in place: every process maps it read-only (`view`), so several serving
 * processes share one copy in the page cache and a rebuild is a new file they switch to.
 */
import fs from 'node:fs';
import usearch from 'usearch';

const { Index, MetricKind, ScalarKind } = usearch;

export interface HnswSettings {
  /** Graph degree (M): more links, higher recall, bigger file. */
  connectivity: number;
  /** Candidate list while inserting (efConstruction). */
  expansionAdd: number;
  /** Candidate list while searching (ef): the recall / latency knob. */
  expansionSearch: number;
}

export const DEFAULT_HNSW_SETTINGS: HnswSettings = {
  connectivity: 16,
  expansionAdd: 128,
  expansionSearch: 256,
};

export interface AnnHit {
  rowid: number;
  similarity: number;
}

function emptyIndex(dimensions: number, settings: HnswSettings): InstanceType<typeof Index> {
  return new Index({
    dimensions,
    metric: MetricKind.Cos,
    quantization: ScalarKind.F32,
    connectivity: settings.connectivity,
    expansion_add: settings.expansionAdd,
    expansion_search: settings.expansionSearch,
    multi: false,
  });
}

/**
 * Builds the graph over `count` rows of a flat matrix and writes it to `file` (through a
 * temporary name, so a reader never maps a half-written file).
 */
export function writeHnswFile(
  file: string,
  rowids: readonly number[],
  matrix: Float32Array,
  dimensions: number,
  settings: HnswSettings,
): void {
  const index = emptyIndex(dimensions, settings);
  if (rowids.length > 0) index.add(BigUint64Array.from(rowids, BigInt), matrix, 0);
  const temporary = `${file}.${process.pid}.tmp`;
  index.save(temporary);
  fs.renameSync(temporary, file);
}

/** A built graph mapped read-only from its file. */
export class HnswFile {
  private readonly index: InstanceType<typeof Index>;

  constructor(
    readonly file: string,
    dimensions: number,
    settings: HnswSettings,
  ) {
    this.index = emptyIndex(dimensions, settings);
    this.index.view(file);
  }

  get size(): number {
    return this.index.size();
  }

  /** The `k` nearest rows, most similar first. */
  search(vector: Float32Array, k: number): AnnHit[] {
    const size = this.index.size();
    if (size === 0 || k <= 0) return [];
    const { keys, distances } = this.index.search(vector, Math.min(k, size), 1) as {
      keys: BigUint64Array;
      distances: Float32Array;
    };
    const hits: AnnHit[] = [];
    for (let i = 0; i < keys.length; i++)
      hits.push({ rowid: Number(keys[i]), similarity: 1 - distances[i]! });
    return hits;
  }
}
