/**
 * Versioned encoder artifacts in `<models>/encoder/<version>/`:
 *   metadata.json  what was trained, on what, with which backend, and how well it scored
 *   weights.bin    the embedding table as int8, one scale per row (a quarter of float32)
 *   scales.bin     the per-row scales (float32)
 * `<models>/encoder/active.json` names the version the service embeds with. The metadata,
 * written last, records each weight file's size and SHA-256, checked at every load.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ServiceError } from '../../main/errors.ts';
import {
  checksumOf,
  type FileChecksums,
  readCheckedFile,
  readMetadataFile,
  writeFileAtomically,
} from '../../ml/model-files.ts';
import type { NgramSettings } from '../ngram-features.ts';

export interface EncoderMetadata {
  kind: 'hashed-ngram-encoder';
  format: 1;
  version: string;
  dimensions: number;
  features: NgramSettings;
  trained_at: string;
  tensorflow: { backend: string; provider: string; gpu: boolean };
  training: {
    products: number;
    pairs: { self_supervised: number; events: number };
    epochs: number;
    batch_size: number;
    learning_rate: number;
    temperature: number;
    seconds: number;
    epoch_seconds: number[];
    epoch_loss: number[];
    /** The pretrained model it was distilled from, and how many of its vectors it learned. */
    teacher?: { model: string; texts: number; weight: number; seconds: number };
  };
  /** The catalog it learned, to tell later how much of a catalog is new to it. */
  catalog?: EncoderCatalog;
  /** Size and SHA-256 of weights.bin and scales.bin (absent in versions saved before checksums). */
  files?: FileChecksums;
  metrics: {
    /** Held-out products: a noisy title fragment must retrieve its product among them. */
    heldout_products: number;
    recall_at_10: number;
    mrr: number;
    /** The same measure for the untrained starting point, for comparison. */
    untrained_recall_at_10: number;
  };
}

export interface EncoderCatalog {
  /** `demo`: the demo catalog (a placeholder until the shop's own arrives); `store`: a shop's catalog. */
  source: 'demo' | 'store';
  products: number;
  /** Bottom-k sketch of the products' (id, content) hashes (catalog-sketch.ts). */
  sketch: string[];
}

export interface EncoderArtifact {
  metadata: EncoderMetadata;
  /** rows x dimensions, row-major. */
  table: Float32Array;
}

function encoderRoot(modelsDir: string): string {
  return path.join(modelsDir, 'encoder');
}

export function quantizeRows(table: Float32Array, dims: number): { values: Int8Array; scales: Float32Array } {
  const rows = table.length / dims;
  const values = new Int8Array(table.length);
  const scales = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let max = 0;
    for (let j = 0; j < dims; j++) max = Math.max(max, Math.abs(table[r * dims + j]!));
    const scale = max / 127 || 1;
    scales[r] = scale;
    for (let j = 0; j < dims; j++) values[r * dims + j] = Math.round(table[r * dims + j]! / scale);
  }
  return { values, scales };
}

export function saveEncoderArtifact(modelsDir: string, artifact: EncoderArtifact): string {
  const dir = path.join(encoderRoot(modelsDir), artifact.metadata.version);
  fs.mkdirSync(dir, { recursive: true });
  const { values, scales } = quantizeRows(artifact.table, artifact.metadata.dimensions);
  const weightBytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const scaleBytes = new Uint8Array(scales.buffer);
  writeFileAtomically(path.join(dir, 'weights.bin'), weightBytes);
  writeFileAtomically(path.join(dir, 'scales.bin'), scaleBytes);
  const metadata: EncoderMetadata = {
    ...artifact.metadata,
    files: { 'weights.bin': checksumOf(weightBytes), 'scales.bin': checksumOf(scaleBytes) },
  };
  writeFileAtomically(path.join(dir, 'metadata.json'), `${JSON.stringify(metadata, null, 2)}\n`);
  return dir;
}

/** Reads and checks a saved version; a bad file is an `invalid_model` ServiceError naming it. */
export function loadEncoderArtifact(dir: string): EncoderArtifact {
  const metadata = readMetadataFile<EncoderMetadata>(dir);
  if (metadata.kind !== 'hashed-ngram-encoder' || metadata.format !== 1) {
    throw new ServiceError('invalid_model', `${dir} is not an encoder artifact this build can read`);
  }
  const bytes = readCheckedFile(dir, 'weights.bin', metadata.files?.['weights.bin']);
  const values = new Int8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const scaleBytes = readCheckedFile(dir, 'scales.bin', metadata.files?.['scales.bin']);
  const scales = new Float32Array(
    scaleBytes.buffer.slice(scaleBytes.byteOffset, scaleBytes.byteOffset + scaleBytes.byteLength),
  );
  const dims = metadata.dimensions;
  if (values.length !== metadata.features.buckets * dims || scales.length !== metadata.features.buckets) {
    throw new ServiceError(
      'invalid_model',
      `${dir}: the weight files do not match the metadata (${metadata.features.buckets} x ${dims}; truncated?)`,
    );
  }
  const table = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) table[i] = values[i]! * scales[Math.floor(i / dims)]!;
  return { metadata, table };
}

/** `ok`, `unchecked` (saved before checksums, but loads) or what is wrong with a saved version's files. */
export function encoderFilesCheck(dir: string): string {
  try {
    return loadEncoderArtifact(dir).metadata.files ? 'ok' : 'unchecked';
  } catch (error) {
    if (error instanceof ServiceError) return error.message;
    throw error;
  }
}

/** The version an in-house encoder's embedder id names (`encoder:<version>:d128`), if it is one. */
export function encoderVersionOf(embedderId: string): string | undefined {
  return /^encoder:([\w.-]+):d\d+$/.exec(embedderId)?.[1];
}

/** The metadata of a saved version, when it is there. */
export function encoderMetadata(modelsDir: string, version: string): EncoderMetadata | undefined {
  const dir = encoderVersionDir(modelsDir, version);
  return dir ? readMetadataFile<EncoderMetadata>(dir) : undefined;
}

/** The directory of a saved version, when it is there. */
export function encoderVersionDir(modelsDir: string, version: string): string | undefined {
  const dir = path.join(encoderRoot(modelsDir), version);
  return /^[\w.-]+$/.test(version) && fs.existsSync(path.join(dir, 'metadata.json')) ? dir : undefined;
}

export function activeEncoderDir(modelsDir: string): string | undefined {
  const version = activeEncoderVersion(modelsDir);
  return version ? encoderVersionDir(modelsDir, version) : undefined;
}

/** The version `active.json` names, whether or not it is there; undefined without a (readable) pointer. */
export function activeEncoderVersion(modelsDir: string): string | undefined {
  const pointer = path.join(encoderRoot(modelsDir), 'active.json');
  if (!fs.existsSync(pointer)) return undefined;
  try {
    const { version } = JSON.parse(fs.readFileSync(pointer, 'utf8')) as { version?: unknown };
    return typeof version === 'string' ? version : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `active.json` exists at all (a pointer that names nothing usable is still one). */
export function hasEncoderPointer(modelsDir: string): boolean {
  return fs.existsSync(path.join(encoderRoot(modelsDir), 'active.json'));
}

/** Points `active.json` at a version (write + rename: readers never see half a file). */
export function activateEncoder(modelsDir: string, version: string): void {
  const root = encoderRoot(modelsDir);
  const temporary = path.join(root, `.active-${process.pid}.json`);
  fs.writeFileSync(temporary, JSON.stringify({ version, activated_at: new Date().toISOString() }));
  fs.renameSync(temporary, path.join(root, 'active.json'));
}

/** Metadata of every saved version, newest first. */
export function listEncoderVersions(modelsDir: string): EncoderMetadata[] {
  const root = encoderRoot(modelsDir);
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(root, entry.name, 'metadata.json')))
    .flatMap((entry) => {
      // A version whose metadata cannot be parsed is no version: loading it would fail too.
      try {
        return [readMetadataFile<EncoderMetadata>(path.join(root, entry.name))];
      } catch {
        return [];
      }
    })
    .sort((a, b) => b.trained_at.localeCompare(a.trained_at));
}
