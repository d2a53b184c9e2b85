/**
 * A small in-memory Elasticsearch behind the official transport mock
 * (@elastic/elasticsearch-mock): indices with mappings and documents, aliases, pipelines,
 * bulk, count, mget and atomic alias updates, enough to test the index lifecycle and the
 * backend by their outcomes (which index the alias serves, which indices exist) without a
 * cluster. Searches answer what a test sets in `onSearch`.
 */
import { createRequire } from 'node:module';
import { Client, errors, type estypes } from '@elastic/elasticsearch';
import type * as MockModule from '@elastic/elasticsearch-mock';
import type { MockPattern } from '@elastic/elasticsearch-mock';

// The package is CommonJS (`module.exports = Mocker`) while its types declare a default
// export: loading it with require gives the class under the declared type.
const Mock = createRequire(import.meta.url)(
  '@elastic/elasticsearch-mock',
) as (typeof MockModule)['default']['default'];

export interface FakeIndex {
  settings: Record<string, unknown>;
  mappings: estypes.MappingTypeMapping;
  docs: Map<string, Record<string, unknown>>;
}

export interface RecordedRequest {
  method: string;
  path: string;
  querystring: Record<string, string>;
  body: unknown;
}

type Body = Record<string, unknown>;

export function responseError(statusCode: number, type: string, reason = type): errors.ResponseError {
  return new errors.ResponseError({
    body: { error: { type, reason }, status: statusCode },
    statusCode,
    headers: {},
    warnings: [],
    meta: {} as never,
  });
}

export function emptySearchResponse(hits: estypes.SearchHit[] = []): estypes.SearchResponse {
  return {
    took: 1,
    timed_out: false,
    _shards: { total: 1, successful: 1, skipped: 0, failed: 0 },
    hits: { total: { value: hits.length, relation: 'eq' }, max_score: null, hits },
  };
}

export class FakeElasticsearch {
  readonly mock = new Mock();
  readonly client: Client;
  readonly indices = new Map<string, FakeIndex>();
  readonly aliases = new Map<string, Set<string>>();
  readonly pipelines = new Map<string, Body>();
  readonly requests: RecordedRequest[] = [];
  version = '8.17.0';
  license: Partial<estypes.LicenseGetLicenseInformation> = { type: 'basic', status: 'active' };
  /** Every request fails with this error while it is set (e.g. a ConnectionError). */
  outage: Error | undefined;
  /** Status of one bulk item (undefined: accepted); `attempt` counts from 1 per document id. */
  bulkItemStatus: (id: string, attempt: number) => number | undefined = () => undefined;
  /** Answers searches; the default finds nothing. */
  onSearch: (index: string, body: Body) => estypes.SearchResponse | Error = () => emptySearchResponse();
  /** Called before an index is created; return an error to refuse it. */
  beforeCreate: (index: string) => Error | undefined = () => undefined;
  /** Overrides the document count the cluster reports. */
  countOverride: ((index: string, actual: number) => number) | undefined;
  private readonly attempts = new Map<string, number>();

  constructor() {
    this.client = new Client({
      node: 'http://fake-elasticsearch:9200',
      Connection: this.mock.getConnection(),
      maxRetries: 0,
    });
    this.routes();
  }

  sent(method: string, path: string | RegExp): RecordedRequest[] {
    return this.requests.filter(
      (r) => r.method === method && (typeof path === 'string' ? r.path === path : path.test(r.path)),
    );
  }

  /** Indices an alias or index name stands for. */
  resolve(name: string): string[] {
    const aliased = this.aliases.get(name);
    if (aliased && aliased.size > 0) return [...aliased];
    return this.indices.has(name) ? [name] : [];
  }

  aliasTargets(alias: string): string[] {
    return [...(this.aliases.get(alias) ?? [])].sort();
  }

  addIndex(name: string, mappings: estypes.MappingTypeMapping, aliases: string[] = []): void {
    this.indices.set(name, { settings: {}, mappings, docs: new Map() });
    for (const alias of aliases) this.alias(alias).add(name);
  }

  private alias(name: string): Set<string> {
    let set = this.aliases.get(name);
    if (!set) {
      set = new Set();
      this.aliases.set(name, set);
    }
    return set;
  }

  private on(
    method: string | string[],
    path: string,
    respond: (p: MockPattern & RecordedRequest) => unknown,
  ) {
    this.mock.add({ method, path }, (params) => {
      const request = params as MockPattern & RecordedRequest;
      this.requests.push({
        method: request.method,
        path: request.path,
        querystring: request.querystring,
        body: request.body,
      });
      if (this.outage) return this.outage as never;
      return respond(request) as never;
    });
  }

  private routes(): void {
    this.on('HEAD', '/', () => ({}));
    this.on('GET', '/', () => ({
      name: 'fake',
      cluster_name: 'fake',
      cluster_uuid: 'fake',
      tagline: 'You Know, for Search',
      version: { number: this.version, build_flavor: 'default' },
    }));
    this.on('GET', '/_license', () => ({ license: this.license }));
    this.on('PUT', '/_ingest/pipeline/:id', (p) => {
      this.pipelines.set(p.path.split('/').pop()!, p.body as Body);
      return { acknowledged: true };
    });
    this.on('HEAD', '/_alias/:name', (p) =>
      this.aliasTargets(lastSegment(p.path)).length > 0
        ? {}
        : responseError(404, 'aliases_not_found_exception'),
    );
    this.on('GET', '/_alias/:name', (p) => {
      const alias = lastSegment(p.path);
      const targets = this.aliasTargets(alias);
      if (targets.length === 0) return responseError(404, 'aliases_not_found_exception');
      return Object.fromEntries(targets.map((index) => [index, { aliases: { [alias]: {} } }]));
    });
    this.on('HEAD', '/:index', (p) =>
      this.indices.has(lastSegment(p.path)) ? {} : responseError(404, 'index_not_found_exception'),
    );
    this.on('PUT', '/:index', (p) => {
      const name = lastSegment(p.path);
      const refused = this.beforeCreate(name);
      if (refused) return refused;
      if (this.indices.has(name)) return responseError(400, 'resource_already_exists_exception');
      const body = p.body as { settings?: Body; mappings?: estypes.MappingTypeMapping; aliases?: Body };
      this.indices.set(name, {
        settings: body.settings ?? {},
        mappings: body.mappings ?? {},
        docs: new Map(),
      });
      for (const alias of Object.keys(body.aliases ?? {})) this.alias(alias).add(name);
      return { acknowledged: true, shards_acknowledged: true, index: name };
    });
    this.on('DELETE', '/:index', (p) => {
      const names = lastSegment(p.path).split(',');
      if (names.some((n) => !this.indices.has(n))) return responseError(404, 'index_not_found_exception');
      for (const name of names) {
        this.indices.delete(name);
        for (const set of this.aliases.values()) set.delete(name);
      }
      return { acknowledged: true };
    });
    this.on('GET', '/:index', (p) => {
      const pattern = new RegExp(`^${lastSegment(p.path).split('*').map(escapeRegExp).join('.*')}$`);
      const out: Record<string, { aliases: Record<string, object> }> = {};
      for (const name of this.indices.keys()) {
        if (!pattern.test(name)) continue;
        const aliases = [...this.aliases].filter(([, set]) => set.has(name)).map(([alias]) => [alias, {}]);
        out[name] = { aliases: Object.fromEntries(aliases) };
      }
      return out;
    });
    this.on('GET', '/:index/_mapping', (p) => {
      const names = this.resolve(p.path.split('/')[1]!);
      if (names.length === 0) return responseError(404, 'index_not_found_exception');
      return Object.fromEntries(names.map((name) => [name, { mappings: this.indices.get(name)!.mappings }]));
    });
    this.on(['GET', 'POST'], '/:index/_refresh', () => ({ _shards: { total: 1, successful: 1, failed: 0 } }));
    this.on(['GET', 'POST'], '/:index/_count', (p) => {
      const names = this.resolve(p.path.split('/')[1]!);
      if (names.length === 0) return responseError(404, 'index_not_found_exception');
      const actual = names.reduce((sum, name) => sum + this.indices.get(name)!.docs.size, 0);
      const count = this.countOverride ? this.countOverride(names[0]!, actual) : actual;
      return { count, _shards: { total: 1, successful: 1, skipped: 0, failed: 0 } };
    });
    this.on('POST', '/_aliases', (p) => {
      const { actions } = p.body as { actions: estypes.IndicesUpdateAliasesAction[] };
      for (const action of actions) {
        if (action.remove && !this.aliases.get(action.remove.alias!)?.has(action.remove.index!)) {
          return responseError(404, 'aliases_not_found_exception');
        }
        if (action.add && !this.indices.has(action.add.index!))
          return responseError(404, 'index_not_found_exception');
      }
      for (const action of actions) {
        if (action.remove) this.alias(action.remove.alias!).delete(action.remove.index!);
        if (action.add) this.alias(action.add.alias!).add(action.add.index!);
      }
      return { acknowledged: true };
    });
    this.on(['POST', 'PUT'], '/_bulk', (p) => {
      const lines = p.body as Body[];
      const items: Body[] = [];
      let errorsSeen = false;
      for (let i = 0; i < lines.length; i += 2) {
        const action = (lines[i] as { index: { _index: string; _id: string } }).index;
        const document = lines[i + 1] as Body;
        const attempt = (this.attempts.get(action._id) ?? 0) + 1;
        this.attempts.set(action._id, attempt);
        const targets = this.resolve(action._index);
        const status = targets.length === 1 ? (this.bulkItemStatus(action._id, attempt) ?? 201) : 404;
        if (status >= 300) {
          errorsSeen = true;
          items.push({
            index: {
              _index: action._index,
              _id: action._id,
              status,
              error: {
                type: status === 429 ? 'es_rejected_execution_exception' : 'document_parsing_exception',
                reason: `status ${status} for ${action._id}`,
              },
            },
          });
          continue;
        }
        this.indices.get(targets[0]!)!.docs.set(action._id, document);
        items.push({ index: { _index: targets[0], _id: action._id, status, result: 'created' } });
      }
      return { took: 1, errors: errorsSeen, items };
    });
    this.on('POST', '/:index/_mget', (p) => {
      const names = this.resolve(p.path.split('/')[1]!);
      const includes = p.querystring._source_includes?.split(',');
      const { ids } = p.body as { ids: string[] };
      return {
        docs: ids.map((id) => {
          const source = names.map((n) => this.indices.get(n)!.docs.get(id)).find(Boolean);
          if (!source) return { _index: names[0] ?? 'none', _id: id, found: false };
          const filtered = includes
            ? Object.fromEntries(Object.entries(source).filter(([k]) => includes.includes(k)))
            : source;
          return { _index: names[0], _id: id, found: true, _source: filtered };
        }),
      };
    });
    this.on('DELETE', '/:index/_doc/:id', (p) => {
      const [, index, , id] = p.path.split('/');
      const names = this.resolve(index!);
      const deleted = names.some((n) => this.indices.get(n)!.docs.delete(decodeURIComponent(id!)));
      const body = { _index: names[0], _id: id, result: deleted ? 'deleted' : 'not_found' };
      return deleted
        ? body
        : new errors.ResponseError({ body, statusCode: 404, headers: {}, warnings: [], meta: {} as never });
    });
    this.on('POST', '/:index/_search', (p) => this.onSearch(p.path.split('/')[1]!, p.body as Body));
  }
}

function lastSegment(path: string): string {
  return decodeURIComponent(path.split('/').filter(Boolean).pop() ?? '');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
