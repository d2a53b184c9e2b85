import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/main/config.ts';

describe('configuration: search backend', () => {
  it('defaults to the embedded backend with no Elasticsearch settings', () => {
    const config = loadConfig({});
    expect(config.searchBackend).toBe('embedded');
    expect(config.elasticsearch).toBeUndefined();
  });

  it('reads the Elasticsearch settings with their defaults', () => {
    const config = loadConfig({
      SEARCH_BACKEND: 'elasticsearch',
      ELASTICSEARCH_URL: 'http://localhost:9200',
    });
    expect(config.elasticsearch).toEqual({
      url: 'http://localhost:9200',
      alias: 'products',
      keepIndices: 2,
      requestTimeoutMs: 10_000,
      bulkTimeoutMs: 120_000,
      mappingsDir: path.resolve('mappings/elasticsearch'),
      pipelinesDir: path.resolve('pipelines'),
    });
  });

  it('takes an API key, or a user name and password, and a CA certificate', () => {
    const withKey = loadConfig({
      SEARCH_BACKEND: 'elasticsearch',
      ELASTICSEARCH_URL: 'https://es.internal:9200',
      ELASTICSEARCH_API_KEY: 'a2V5OnNlY3JldA==',
      ELASTICSEARCH_CA_CERT: '/etc/es/ca.crt',
      ELASTICSEARCH_INDEX: 'shop-eu',
      ELASTICSEARCH_KEEP_INDICES: '3',
    });
    expect(withKey.elasticsearch).toMatchObject({
      auth: { apiKey: 'a2V5OnNlY3JldA==' },
      caCertFile: '/etc/es/ca.crt',
      alias: 'shop-eu',
      keepIndices: 3,
    });
    const withPassword = loadConfig({
      SEARCH_BACKEND: 'elasticsearch',
      ELASTICSEARCH_URL: 'https://es.internal:9200',
      ELASTICSEARCH_USERNAME: 'search',
      ELASTICSEARCH_PASSWORD: 'secret',
      // An optional Kubernetes secret that is absent arrives as an empty variable.
      ELASTICSEARCH_API_KEY: '',
    });
    expect(withPassword.elasticsearch?.auth).toEqual({ username: 'search', password: 'secret' });
  });

  it('says clearly what is missing or contradictory', () => {
    expect(() => loadConfig({ SEARCH_BACKEND: 'elasticsearch' })).toThrow(
      expect.objectContaining({ code: 'invalid_config' }),
    );
    expect(() => loadConfig({ SEARCH_BACKEND: 'elasticsearch' })).toThrow(
      /ELASTICSEARCH_URL: SEARCH_BACKEND=elasticsearch needs ELASTICSEARCH_URL/,
    );
    const base = { SEARCH_BACKEND: 'elasticsearch', ELASTICSEARCH_URL: 'http://localhost:9200' };
    expect(() =>
      loadConfig({
        ...base,
        ELASTICSEARCH_API_KEY: 'k',
        ELASTICSEARCH_USERNAME: 'u',
        ELASTICSEARCH_PASSWORD: 'p',
      }),
    ).toThrow(/either ELASTICSEARCH_API_KEY or ELASTICSEARCH_USERNAME/);
    expect(() => loadConfig({ ...base, ELASTICSEARCH_USERNAME: 'u' })).toThrow(
      /ELASTICSEARCH_PASSWORD: .*go together/,
    );
    expect(() => loadConfig({ ...base, ELASTICSEARCH_URL: 'localhost:9200' })).toThrow(/ELASTICSEARCH_URL/);
    expect(() => loadConfig({ ...base, ELASTICSEARCH_INDEX: 'Products/*' })).toThrow(/ELASTICSEARCH_INDEX/);
    expect(() => loadConfig({ SEARCH_BACKEND: 'solr' })).toThrow(/SEARCH_BACKEND/);
  });
});

describe('configuration: serving processes (WORKERS)', () => {
  it('defaults to one worker per CPU core and takes a count', () => {
    expect(loadConfig({}).workers).toBe(os.availableParallelism());
    expect(loadConfig({ WORKERS: 'auto' }).workers).toBe(os.availableParallelism());
    expect(loadConfig({ WORKERS: '3' }).workers).toBe(3);
  });

  it('names the variable and the rule for a count it cannot use', () => {
    for (const value of ['0', '-1', '2.5', 'many', '65'])
      expect(() => loadConfig({ WORKERS: value }), value).toThrow(/WORKERS: WORKERS must be auto .* 1 to 64/);
  });
});
