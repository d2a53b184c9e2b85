/**
 * The saved in-house encoder versions as an operator sees them (`encoder list`,
 * GET /v1/admin/models): training numbers, recall, whether its files check out, and which
 * one is active (what a fresh store starts with). Newest first.
 */
import path from 'node:path';
import { activeEncoderDir, encoderFilesCheck, listEncoderVersions } from './encoder-artifact.ts';

export function listEncoders(modelsDir: string) {
  const active = activeEncoderDir(modelsDir);
  return listEncoderVersions(modelsDir).map((metadata) => ({
    version: metadata.version,
    active: active?.endsWith(metadata.version) ?? false,
    dimensions: metadata.dimensions,
    trained_at: metadata.trained_at,
    products: metadata.training.products,
    catalog: metadata.catalog?.source ?? null,
    teacher: metadata.training.teacher?.model ?? null,
    seconds: Math.round(metadata.training.seconds),
    backend: metadata.tensorflow.backend,
    recall_at_10: metadata.metrics.recall_at_10,
    files: encoderFilesCheck(path.join(modelsDir, 'encoder', metadata.version)),
  }));
}
