/** A fresh install: no model, no data, no network. The encoder is trained on the demo catalog at start. */
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/main/config.ts';
import { createLogger } from '../../src/main/logger.ts';
import { createRuntime, loadDemoCatalogIfEmpty } from '../../src/main/runtime.ts';
import { temporaryDirectory } from '../helpers/runtime.ts';

describe('first start', () => {
  it('trains the default encoder offline, loads the demo catalog and answers hybrid searches', async () => {
    const modelsDir = temporaryDirectory('fresh-models-');
    const config = loadConfig({ DATA_DIR: temporaryDirectory(), MODELS_DIR: modelsDir, LOG_LEVEL: 'silent' });
    const runtime = await createRuntime(config, { logger: createLogger('silent') });
    try {
      expect(runtime.embedder.current.id).toMatch(/^encoder:/);
      const versions = fs.readdirSync(path.join(modelsDir, 'encoder'));
      expect(versions).toContain('active.json');
      expect(await loadDemoCatalogIfEmpty(runtime)).toBeGreaterThan(300);
      const res = await request(runtime.createApp())
        .get('/v1/search')
        .query({ q: 'noise cancelling headphones for travel', explain: 'true' }) // the vector leg joins
        .expect(200);
      expect(res.body.hits[0].product.category).toEqual(['Electronics', 'Audio', 'Headphones']);
      expect(res.body.hits[0].explain.knn).not.toBeNull();
    } finally {
      await runtime.close();
    }
    // It trains the encoder it needs: 25-31 s on a 2-core machine, over the 30 s default.
  }, 90_000);
});
