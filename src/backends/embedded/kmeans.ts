/**
 * Spherical k-means over unit vectors (cosine similarity), for the vector index's cells.
 * Vectors are rows of one flat Float32Array so the inner loops stay on typed arrays.
 */
import { seededRandom } from '../../ml/seeded-random.ts';

export interface KMeansOptions {
  iterations: number;
  /** Deterministic seed: the same catalog always gets the same cells. */
  seed: number;
}

function rowDot(a: Float32Array, aOffset: number, b: Float32Array, bOffset: number, dims: number): number {
  let s0 = 0;
  let s1 = 0;
  let j = 0;
  for (; j + 1 < dims; j += 2) {
    s0 += a[aOffset + j]! * b[bOffset + j]!;
    s1 += a[aOffset + j + 1]! * b[bOffset + j + 1]!;
  }
  if (j < dims) s0 += a[aOffset + j]! * b[bOffset + j]!;
  return s0 + s1;
}

/** Index of the most similar centroid for each row. */
export function assignToCentroids(
  vectors: Float32Array,
  dims: number,
  centroids: Float32Array,
  cells: number,
): Int32Array {
  const n = vectors.length / dims;
  const assignment = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < cells; c++) {
      const score = rowDot(vectors, i * dims, centroids, c * dims, dims);
      if (score > bestScore) {
        bestScore = score;
        best = c;
      }
    }
    assignment[i] = best;
  }
  return assignment;
}

/** Cells ordered by similarity to one query vector, best first. */
export function rankCentroids(query: Float32Array, centroids: Float32Array, cells: number): number[] {
  const dims = query.length;
  const scores = new Float64Array(cells);
  for (let c = 0; c < cells; c++) scores[c] = rowDot(query, 0, centroids, c * dims, dims);
  return Array.from({ length: cells }, (_, c) => c).sort((a, b) => scores[b]! - scores[a]!);
}

/**
 * k-means++ seeding for cosine distance: each next centroid is drawn with probability
 * proportional to its squared distance (1 - similarity) to the nearest one so far, which
 * spreads the seeds and gives far more even cells than random seeding.
 */
function seedCentroids(
  vectors: Float32Array,
  dims: number,
  cells: number,
  random: () => number,
): Float32Array {
  const n = vectors.length / dims;
  const centroids = new Float32Array(cells * dims);
  const nearest = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
  let chosen = Math.floor(random() * n);
  for (let c = 0; c < cells; c++) {
    centroids.set(vectors.subarray(chosen * dims, (chosen + 1) * dims), c * dims);
    if (c === cells - 1) break;
    let total = 0;
    for (let i = 0; i < n; i++) {
      const distance = Math.max(0, 1 - rowDot(vectors, i * dims, centroids, c * dims, dims));
      const squared = distance * distance;
      if (squared < nearest[i]!) nearest[i] = squared;
      total += nearest[i]!;
    }
    let pick = random() * total;
    chosen = n - 1;
    for (let i = 0; i < n; i++) {
      pick -= nearest[i]!;
      if (pick <= 0) {
        chosen = i;
        break;
      }
    }
  }
  return centroids;
}

export function trainSphericalKMeans(
  vectors: Float32Array,
  dims: number,
  cells: number,
  options: KMeansOptions,
): Float32Array {
  const n = vectors.length / dims;
  if (n < cells) throw new Error(`k-means needs at least ${cells} vectors, got ${n}`);
  const random = seededRandom(options.seed);
  const centroids = seedCentroids(vectors, dims, cells, random);
  for (let iteration = 0; iteration < options.iterations; iteration++) {
    const assignment = assignToCentroids(vectors, dims, centroids, cells);
    const sums = new Float64Array(cells * dims);
    const sizes = new Int32Array(cells);
    for (let i = 0; i < n; i++) {
      const c = assignment[i]!;
      sizes[c]!++;
      const base = c * dims;
      const row = i * dims;
      for (let j = 0; j < dims; j++) sums[base + j]! += vectors[row + j]!;
    }
    for (let c = 0; c < cells; c++) {
      if (sizes[c] === 0) {
        // An empty cell restarts at a random vector.
        const row = Math.floor(random() * n);
        centroids.set(vectors.subarray(row * dims, (row + 1) * dims), c * dims);
        continue;
      }
      let norm = 0;
      for (let j = 0; j < dims; j++) norm += sums[c * dims + j]! ** 2;
      const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
      for (let j = 0; j < dims; j++) centroids[c * dims + j] = sums[c * dims + j]! * inv;
    }
  }
  return centroids;
}

/** A random sample of rows, copied into a new flat array. */
export function sampleRows(vectors: Float32Array, dims: number, count: number, seed: number): Float32Array {
  const n = vectors.length / dims;
  if (count >= n) return vectors;
  const random = seededRandom(seed);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(random() * (n - i));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const out = new Float32Array(count * dims);
  for (let i = 0; i < count; i++)
    out.set(vectors.subarray(order[i]! * dims, (order[i]! + 1) * dims), i * dims);
  return out;
}
