import { errors } from '@elastic/elasticsearch';
import { describe, expect, it } from 'vitest';
import {
  createElasticsearchClient,
  isUnavailable,
  retryBackoffSeconds,
  toBackendError,
} from '../../../src/backends/elasticsearch/client.ts';
import { BackendUnavailableError } from '../../../src/catalog/search-backend.ts';
import { responseError } from '../../helpers/fake-elasticsearch.ts';

const config = {
  url: 'https://es.internal:9200',
  alias: 'products',
  keepIndices: 2,
  requestTimeoutMs: 5000,
  bulkTimeoutMs: 120_000,
  mappingsDir: 'mappings/elasticsearch',
  pipelinesDir: 'pipelines',
};

describe('Elasticsearch client', () => {
  it('names the CA certificate file it cannot read', () => {
    expect(() => createElasticsearchClient({ ...config, caCertFile: '/nonexistent/ca.crt' })).toThrow(
      expect.objectContaining({ code: 'invalid_config' }),
    );
    expect(() => createElasticsearchClient({ ...config, caCertFile: '/nonexistent/ca.crt' })).toThrow(
      /ELASTICSEARCH_CA_CERT: cannot read \/nonexistent\/ca.crt/,
    );
  });

  it('builds a client with API key auth', async () => {
    const client = createElasticsearchClient({ ...config, auth: { apiKey: 'a2V5' } });
    expect(client).toBeDefined();
    await client.close();
  });

  it('backs off briefly between retries', () => {
    for (let i = 0; i < 50; i++) {
      const first = retryBackoffSeconds(0, 4, 1);
      const second = retryBackoffSeconds(0, 4, 2);
      expect(first).toBeGreaterThanOrEqual(0.05);
      expect(first).toBeLessThanOrEqual(0.1);
      expect(second).toBeGreaterThanOrEqual(0.1);
      expect(second).toBeLessThanOrEqual(0.2);
      expect(retryBackoffSeconds(0, 4, 10)).toBeLessThanOrEqual(1);
    }
  });

  it('tells an unreachable or overloaded cluster from other failures', () => {
    expect(isUnavailable(new errors.ConnectionError('ECONNREFUSED'))).toBe(true);
    expect(isUnavailable(new errors.TimeoutError('timed out'))).toBe(true);
    expect(isUnavailable(new errors.NoLivingConnectionsError('none', {} as never))).toBe(true);
    expect(isUnavailable(responseError(429, 'es_rejected_execution_exception'))).toBe(true);
    expect(isUnavailable(responseError(503, 'cluster_block_exception'))).toBe(true);
    expect(isUnavailable(responseError(400, 'parsing_exception'))).toBe(false);
    expect(isUnavailable(responseError(401, 'security_exception'))).toBe(false);
    expect(isUnavailable(new Error('bug'))).toBe(false);
    const wrapped = toBackendError(new errors.ConnectionError('ECONNREFUSED'));
    expect(wrapped).toBeInstanceOf(BackendUnavailableError);
    expect((wrapped as BackendUnavailableError).retryAfterSeconds).toBe(5);
    const other = new Error('bug');
    expect(toBackendError(other)).toBe(other);
  });
});
