/**
 * Integrity of saved model files: at save, each weight file's size and SHA-256 go into the
 * artifact's metadata; at load they are checked, so a truncated, replaced or bit-flipped
 * file is refused with one line naming it instead of serving wrong scores or vectors.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ServiceError } from '../main/errors.ts';

export interface FileChecksum {
  bytes: number;
  sha256: string;
}

/** File name (inside the artifact's folder) to its size and digest. */
export type FileChecksums = Record<string, FileChecksum>;

export function checksumOf(bytes: Uint8Array): FileChecksum {
  return { bytes: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** Writes a file next to its final name and renames it: a reader never sees half of it. */
export function writeFileAtomically(file: string, data: string | Uint8Array): void {
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, data);
  fs.renameSync(temporary, file);
}

/** Reads a weight file and checks it against the metadata's record (when the artifact has one). */
export function readCheckedFile(dir: string, name: string, expected: FileChecksum | undefined): Buffer {
  const file = path.join(dir, name);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    throw new ServiceError(
      'invalid_model',
      `${file} cannot be read (${(error as NodeJS.ErrnoException).code})`,
      {
        cause: error,
      },
    );
  }
  if (!expected) return bytes;
  if (bytes.byteLength !== expected.bytes) {
    throw new ServiceError(
      'invalid_model',
      `${file} is ${bytes.byteLength} bytes, its metadata says ${expected.bytes} (truncated or replaced)`,
    );
  }
  const actual = checksumOf(bytes).sha256;
  if (actual !== expected.sha256) {
    throw new ServiceError(
      'invalid_model',
      `${file} does not match the sha256 in its metadata (corrupt or replaced): ${actual.slice(0, 12)}... is not ${expected.sha256.slice(0, 12)}...`,
    );
  }
  return bytes;
}

/** Parses an artifact's metadata.json; unreadable or not JSON is an `invalid_model` error naming the file. */
export function readMetadataFile<T>(dir: string): T {
  const file = path.join(dir, 'metadata.json');
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch (error) {
    const reason = error instanceof SyntaxError ? 'is not valid JSON (truncated?)' : 'cannot be read';
    throw new ServiceError('invalid_model', `${file} ${reason}`, { cause: error });
  }
}
