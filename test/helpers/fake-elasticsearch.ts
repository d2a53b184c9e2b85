/**
 * A small in-memory Elasticsearch behind the official transport mock
 * (@elastic/elasticsearch-mock): indices with mappings and documents, aliases, pipelines,
 * bulk (`index`, `create` with its 409 on an existing id, `update` with a script and
 * upsert), realtime get and mget, count, delete_by_query, additive mapping updates and
 * atomic alias updates, enough to test the index lifecycle, the backend and the shopper
 * data store by their outcomes without a cluster.
 *
 * Like Elasticsearch, searches and delete_by_query see the documents as of the index's
 * last refresh (`_refresh`, or `refresh=true|wait_for` on a write) while get and mget are
 * realtime; unlike it, no refresh ever happens by itself, so a missing refresh fails a test
 * instead of passing by luck. Structured queries, sorts, search_after and sum aggregations
 * are evaluated (`fake-elasticsearch-search.ts`); a test answers full-text and kNN
 * searches by setting `onSearch`. `dynamic: strict` mappings refuse unmapped top-level
 * fields.
 */
import { createRequire } from 'node:module';
import { Client, type ClientOptions, errors, type estypes } from '@elastic/elasticsearch';
import type * as MockModule from '@elastic/elasticsearch-mock';
import type { MockPattern } from '@elastic/elasticsearch-mock';
import {
  autoCreatedMappings,
  type IndexTemplate,
  type RequestLine,
  SearchContexts,
  slowConnection,
} from './fake-elasticsearch-operations.ts';
import {
  RefusedByFake,
  runScript,
  runUpdateScript,
  type Source,
  searchDocuments,
  UnsupportedByFake,
} from './fake-elasticsearch-search.ts';

// The package is CommonJS (`module.exports = Mocker`) while its types declare a default
// export: loading it with require gives the class under the declared type.
const Mock = createRequire(import.meta.url)(
  '@elastic/elasticsearch-mock',
) as (typeof MockModule)['default']['default'];

export interface FakeIndex {
  settings: Record<string, unknown>;
  mappings: estypes.MappingTypeMapping;
  docs: Map<string, Record<string, unknown>>;
  /** The documents as of the last refresh: what searches see. */
  searchable: Map<string, Record<string, unknown>>;
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
  /** Synonym sets of the synonyms API, by id: the rules as sent. */
  readonly synonymSets = new Map<string, { id?: string; synonyms: string }[]>();
  readonly requests: RecordedRequest[] = [];
  /** Every request fails with this error while it is set (e.g. a ConnectionError). */
  outage: Error | undefined;
  /** Status of one bulk item (undefined: accepted); `attempt` counts from 1 per document id. */
  bulkItemStatus: (id: string, attempt: number) => number | undefined = () => undefined;
  /** Answers searches instead of the fake's own evaluation (full-text and kNN searches). */
  onSearch: ((index: string, body: Body) => estypes.SearchResponse | Error) | undefined;
  /** Called before an index is created; return an error to refuse it. */
  beforeCreate: (index: string) => Error | undefined = () => undefined;
  /**
   * Makes a delete-by-query partial, as a busy cluster does: `failures` documents are left in
   * place and reported as bulk failures, `conflicts` left and reported as version conflicts.
   */
  deleteByQueryFault: ((index: string) => { failures?: number; conflicts?: number } | undefined) | undefined;
  /** Overrides the document count the cluster reports. */
  countOverride: ((index: string, actual: number) => number) | undefined;
  /** Milliseconds a request takes; past the client's request timeout it times out (the work still happens). */
  latency: ((request: RequestLine) => number) | undefined;
  /** Answers a request with this error instead (e.g. a request-level 429). */
  requestFault: ((request: RecordedRequest) => Error | undefined) | undefined;
  /** Writes to a missing index create it, as Elasticsearch's default `action.auto_create_index` does. */
  autoCreateIndex = false;
  /** Composable index templates by name (`PUT /_index_template/<name>`). */
  readonly templates = new Map<string, IndexTemplate>();
  /** Indices created by a write, with the template they got (undefined: dynamic mappings). */
  readonly autoCreated = new Map<string, string | undefined>();
  /** Scroll contexts and points in time. */
  readonly contexts = new SearchContexts();
  private readonly attempts = new Map<string, number>();
  /** Sequence numbers of document versions: every write stores a new source object. */
  private readonly seqNos = new WeakMap<object, number>();
  private nextSeqNo = 0;

  /** The sequence number of a stored document version (for `if_seq_no` compare-and-set). */
  seqNo(source: object): number {
    let seqNo = this.seqNos.get(source);
    if (seqNo === undefined) {
      seqNo = this.nextSeqNo++;
      this.seqNos.set(source, seqNo);
    }
    return seqNo;
  }

  /** `clientOptions`: e.g. the service's retries and timeouts, for tests of them. */
  constructor(clientOptions: Partial<ClientOptions> = {}) {
    this.client = new Client({
      node: 'http://fake-elasticsearch:9200',
      maxRetries: 0,
      ...clientOptions,
      Connection: slowConnection(this.mock.getConnection(), () => this.latency),
    });
    this.routes();
    this.operationRoutes();
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
    this.indices.set(name, { settings: {}, mappings, docs: new Map(), searchable: new Map() });
    for (const alias of aliases) this.alias(alias).add(name);
  }

  /** Makes the index's current documents visible to searches, as a refresh does. */
  refresh(name: string): void {
    for (const index of this.resolve(name)) {
      const entry = this.indices.get(index)!;
      entry.searchable = new Map(entry.docs);
    }
  }

  /** Indices named by a comma-separated list of index or alias names. */
  private resolveList(names: string): string[] {
    return names.split(',').flatMap((name) => this.resolve(name));
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
      const fault = this.requestFault?.(this.requests.at(-1)!);
      if (fault) return fault as never;
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
      version: { number: '8.17.0', build_flavor: 'default' },
    }));
    this.on('PUT', '/_ingest/pipeline/:id', (p) => {
      this.pipelines.set(p.path.split('/').pop()!, p.body as Body);
      return { acknowledged: true };
    });
    this.on('PUT', '/_synonyms/:id', (p) => {
      const id = lastSegment(p.path);
      const { synonyms_set } = p.body as { synonyms_set: { id?: string; synonyms: string }[] };
      if (synonyms_set.some((rule) => (rule.synonyms.match(/=>/g) ?? []).length > 1)) {
        return responseError(400, 'action_request_validation_exception', 'More than one explicit mapping');
      }
      const existed = this.synonymSets.has(id);
      this.synonymSets.set(id, synonyms_set);
      return { result: existed ? 'updated' : 'created' };
    });
    this.on('GET', '/_synonyms/:id', (p) => {
      const set = this.synonymSets.get(lastSegment(p.path));
      if (!set) return responseError(404, 'resource_not_found_exception');
      return { count: set.length, synonyms_set: set };
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
      // A synonym set must exist before an index refers to it (Elasticsearch would leave the
      // index unusable; refusing makes the order a test can check).
      const analysis = (body.settings?.analysis ?? {}) as {
        filter?: Record<string, { synonyms_set?: string }>;
      };
      for (const filter of Object.values(analysis.filter ?? {})) {
        if (filter.synonyms_set && !this.synonymSets.has(filter.synonyms_set)) {
          return responseError(
            400,
            'resource_not_found_exception',
            `synonyms set [${filter.synonyms_set}] not found`,
          );
        }
      }
      this.indices.set(name, {
        settings: body.settings ?? {},
        mappings: body.mappings ?? {},
        docs: new Map(),
        searchable: new Map(),
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
    this.on('PUT', '/:index/_mapping', (p) => {
      const index = this.indices.get(p.path.split('/')[1]!);
      if (!index) return responseError(404, 'index_not_found_exception');
      const update = p.body as estypes.MappingTypeMapping;
      const properties = { ...index.mappings.properties };
      for (const [field, mapping] of Object.entries(update.properties ?? {})) {
        const current = properties[field];
        if (current && current.type !== mapping.type) {
          return responseError(
            400,
            'illegal_argument_exception',
            `mapper [${field}] cannot be changed from type [${current.type}] to [${mapping.type}]`,
          );
        }
        properties[field] = mapping;
      }
      index.mappings = { ...index.mappings, ...update, properties };
      return { acknowledged: true };
    });
    this.on(['GET', 'POST'], '/:index/_refresh', (p) => {
      const names = this.resolveList(decodeURIComponent(p.path.split('/')[1]!));
      if (names.length === 0) return responseError(404, 'index_not_found_exception');
      for (const name of names) this.refresh(name);
      return { _shards: { total: names.length, successful: names.length, failed: 0 } };
    });
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
      const touched = new Set<string>();
      for (let i = 0; i < lines.length; i += 2) {
        const [type, action] = Object.entries(lines[i]!)[0] as [
          string,
          { _index: string; _id: string; if_seq_no?: number; if_primary_term?: number },
        ];
        const attempt = (this.attempts.get(action._id) ?? 0) + 1;
        this.attempts.set(action._id, attempt);
        const targets = this.resolveForWrite(action._index);
        const injected = this.bulkItemStatus(action._id, attempt);
        const outcome =
          targets.length !== 1
            ? { status: 404, error: { type: 'index_not_found_exception', reason: action._index } }
            : injected !== undefined && injected >= 300
              ? { status: injected, error: injectedError(injected, action._id) }
              : action.if_seq_no !== undefined && !this.isVersion(targets[0]!, action._id, action)
                ? {
                    status: 409,
                    error: {
                      type: 'version_conflict_engine_exception',
                      reason: `[${action._id}]: version conflict, required seqNo [${action.if_seq_no}]`,
                    },
                  }
                : this.bulkItem(type, targets[0]!, action._id, lines[i + 1] as Body);
        if (outcome.status < 300) touched.add(targets[0]!);
        items.push({ [type]: { _index: targets[0] ?? action._index, _id: action._id, ...outcome } });
      }
      if (p.querystring.refresh === 'true' || p.querystring.refresh === 'wait_for') {
        for (const name of touched) this.refresh(name);
      }
      return {
        took: 1,
        errors: items.some((item) => (Object.values(item)[0] as { status: number }).status >= 300),
        items,
      };
    });
    this.on('GET', '/:index/_doc/:id', (p) => {
      const [, index, , id] = p.path.split('/');
      const name = this.resolve(decodeURIComponent(index!))[0];
      if (!name) return responseError(404, 'index_not_found_exception');
      const source = this.indices.get(name)!.docs.get(decodeURIComponent(id!));
      const body = { _index: name, _id: decodeURIComponent(id!), found: source !== undefined };
      if (source)
        return { ...body, _version: 1, _seq_no: this.seqNo(source), _primary_term: 1, _source: source };
      return new errors.ResponseError({
        body,
        statusCode: 404,
        headers: {},
        warnings: [],
        meta: {} as never,
      });
    });
    this.on('POST', '/:index/_delete_by_query', (p) => {
      const names = this.resolveList(decodeURIComponent(p.path.split('/')[1]!));
      if (names.length === 0) return responseError(404, 'index_not_found_exception');
      const { query } = p.body as { query: estypes.QueryDslQueryContainer };
      const snapshot = names.flatMap((index) =>
        [...this.indices.get(index)!.searchable].map(([id, source]) => ({ index, id, source })),
      );
      const matched = this.evaluate(() => searchDocuments(snapshot, { query, size: 10_000 }));
      if (matched instanceof Error) return matched;
      let deleted = 0;
      let conflicts = 0;
      const fault = this.deleteByQueryFault?.(names[0]!);
      let toFail = fault?.failures ?? 0;
      let toConflict = fault?.conflicts ?? 0;
      const failures: Body[] = [];
      for (const hit of matched.hits.hits) {
        const docs = this.indices.get(hit._index)!.docs;
        if (toFail > 0) {
          toFail--;
          failures.push({
            index: hit._index,
            id: hit._id,
            status: 429,
            cause: { type: 'es_rejected_execution_exception', reason: 'rejected execution of bulk' },
          });
        } else if (toConflict > 0) {
          toConflict--;
          conflicts++;
        } else if (docs.get(hit._id!) === hit._source) {
          // A document changed since the refresh the query saw is a version conflict.
          docs.delete(hit._id!);
          deleted++;
        } else conflicts++;
      }
      if (p.querystring.refresh === 'true') for (const name of names) this.refresh(name);
      const body = { took: 1, timed_out: false, total: matched.hits.hits.length, deleted };
      const aborted = conflicts > 0 && p.querystring.conflicts !== 'proceed';
      return aborted
        ? responseError(409, 'version_conflict_engine_exception', `${conflicts} version conflict(s)`)
        : { ...body, batches: 1, version_conflicts: conflicts, noops: 0, failures };
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
          return {
            _index: names[0],
            _id: id,
            found: true,
            _seq_no: this.seqNo(source),
            _primary_term: 1,
            _source: filtered,
          };
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
    this.on(['PUT', 'POST'], '/:index/_doc/:id', (p) => {
      const [, index, , rawId] = p.path.split('/');
      const name = this.resolveForWrite(decodeURIComponent(index!))[0];
      if (!name) return responseError(404, 'index_not_found_exception');
      const outcome = this.bulkItem('index', name, decodeURIComponent(rawId!), p.body as Body);
      if (outcome.status >= 300) {
        const error = outcome.error as { type: string; reason: string };
        return responseError(outcome.status, error.type, error.reason);
      }
      if (p.querystring.refresh === 'true' || p.querystring.refresh === 'wait_for') this.refresh(name);
      return { _index: name, _id: decodeURIComponent(rawId!), _version: 1, result: outcome.result };
    });
    this.on('POST', '/:index/_update/:id', (p) => {
      const [, index, , rawId] = p.path.split('/');
      const name = this.resolveForWrite(decodeURIComponent(index!))[0];
      if (!name) return responseError(404, 'index_not_found_exception');
      const id = decodeURIComponent(rawId!);
      const docs = this.indices.get(name)!.docs;
      const { script, upsert } = p.body as { script: estypes.Script; upsert?: Source };
      const reply = (result: string) => ({
        _index: name,
        _id: id,
        _version: 1,
        result,
        _shards: { total: 1, successful: 1, failed: 0 },
      });
      const existing = docs.get(id);
      if (!existing) {
        if (!upsert) return responseError(404, 'document_missing_exception', `[${id}]: document missing`);
        docs.set(id, upsert);
        return reply('created');
      }
      const ran = this.evaluate(() => runUpdateScript(existing, script));
      if (ran instanceof errors.ResponseError) return ran;
      if (ran.op === 'noop') return reply('noop');
      if (ran.op === 'delete') {
        docs.delete(id);
        return reply('deleted');
      }
      docs.set(id, ran.source);
      return reply('updated');
    });
    this.on(['GET', 'POST'], '/:index/_search', (p) => {
      const index = decodeURIComponent(p.path.split('/')[1]!);
      const body = (p.body ?? {}) as Body;
      if (this.onSearch) return this.onSearch(index, body);
      const names = this.resolveList(index);
      if (names.length === 0) return responseError(404, 'index_not_found_exception');
      const documents = this.snapshot(names);
      if (p.querystring.scroll) {
        const { sort: _, size = 10, ...rest } = body as estypes.SearchRequest;
        const matched = this.evaluate(() =>
          searchDocuments(documents, { ...rest, size: documents.length || 1 } as estypes.SearchRequest),
        );
        if (matched instanceof errors.ResponseError) return matched;
        const remaining = matched.hits.hits.map(
          (h) => documents.find((d) => d.index === h._index && d.id === h._id)!,
        );
        const id = this.contexts.open(documents, remaining);
        this.scrollSize.set(id, size);
        return this.scrollPage(id, remaining, size);
      }
      return this.evaluate(() => searchDocuments(documents, body as estypes.SearchRequest));
    });
  }

  /** The index a write goes to, created first when it is missing and auto-creation is on. */
  private resolveForWrite(name: string): string[] {
    const targets = this.resolve(name);
    if (targets.length > 0 || !this.autoCreateIndex || this.aliases.has(name)) return targets;
    const { mappings, template } = autoCreatedMappings(this.templates, name);
    this.addIndex(name, structuredClone(mappings));
    this.autoCreated.set(name, template);
    return [name];
  }

  /** Index templates, points in time, scroll contexts. */
  private operationRoutes(): void {
    this.on('PUT', '/_index_template/:name', (p) => {
      this.templates.set(lastSegment(p.path), p.body as IndexTemplate);
      return { acknowledged: true };
    });
    this.on('GET', '/_index_template/:name', (p) => {
      const name = lastSegment(p.path);
      const template = this.templates.get(name);
      if (!template)
        return responseError(404, 'resource_not_found_exception', `index template [${name}] missing`);
      return { index_templates: [{ name, index_template: template }] };
    });
    this.on('POST', '/:index/_pit', (p) => {
      const names = this.resolveList(decodeURIComponent(p.path.split('/')[1]!));
      if (names.length === 0) return responseError(404, 'index_not_found_exception');
      if (!p.querystring.keep_alive)
        return responseError(400, 'action_request_validation_exception', 'keep_alive is missing');
      return { id: this.contexts.open(this.snapshot(names)) };
    });
    this.on('DELETE', '/_pit', (p) => {
      const { id } = p.body as { id: string };
      return { succeeded: this.contexts.close(id), num_freed: 1 };
    });
    this.on(['GET', 'POST'], '/_search', (p) => {
      const { pit, ...body } = (p.body ?? {}) as { pit?: { id: string; keep_alive?: string } } & Body;
      if (!pit) return responseError(400, 'action_request_validation_exception', 'no index and no pit');
      const context = this.contexts.get(pit.id);
      if (context instanceof errors.ResponseError) return context;
      const response = this.evaluate(() => searchDocuments(context.documents, body as estypes.SearchRequest));
      return response instanceof errors.ResponseError ? response : { ...response, pit_id: pit.id };
    });
    this.on(['GET', 'POST'], '/_search/scroll', (p) => {
      const { scroll_id } = p.body as { scroll_id: string };
      const context = this.contexts.get(scroll_id);
      if (context instanceof errors.ResponseError) return context;
      return this.scrollPage(scroll_id, context.remaining ?? []);
    });
    this.on('DELETE', '/_search/scroll', (p) => {
      const ids = ([] as string[]).concat((p.body as { scroll_id: string | string[] }).scroll_id);
      for (const id of ids) this.contexts.close(id);
      return { succeeded: true, num_freed: ids.length };
    });
  }

  /** The documents searches see in these indices now. */
  private snapshot(names: readonly string[]) {
    return names.flatMap((name) =>
      [...this.indices.get(name)!.searchable].map(([id, source]) => ({ index: name, id, source })),
    );
  }

  /** The next page of a scroll: `size` hits of what is left, in `_doc` order. */
  private scrollPage(
    id: string,
    remaining: ReturnType<FakeElasticsearch['snapshot']>,
    size = this.scrollSize.get(id) ?? 10,
  ) {
    const page = remaining.splice(0, size);
    return {
      ...emptySearchResponse(page.map((d) => ({ _index: d.index, _id: d.id, _source: d.source }))),
      _scroll_id: id,
    };
  }

  private readonly scrollSize = new Map<string, number>();

  /** Whether the document is (still) the version `if_seq_no` / `if_primary_term` name. */
  private isVersion(index: string, id: string, expected: { if_seq_no?: number; if_primary_term?: number }) {
    const existing = this.indices.get(index)!.docs.get(id);
    return (
      existing !== undefined && this.seqNo(existing) === expected.if_seq_no && expected.if_primary_term === 1
    );
  }

  /** What the fake evaluates, or the error Elasticsearch would answer (501 for what it lacks). */
  private evaluate<T>(run: () => T): T | errors.ResponseError {
    try {
      return run();
    } catch (error) {
      if (error instanceof RefusedByFake) return responseError(error.status, error.type, error.message);
      if (error instanceof UnsupportedByFake) return responseError(501, 'unsupported_by_fake', error.message);
      throw error;
    }
  }

  /** One bulk action on an existing index, with the status and result Elasticsearch gives it. */
  private bulkItem(
    type: string,
    indexName: string,
    id: string,
    body: Body,
  ): { status: number; result?: string; error?: Body } {
    const index = this.indices.get(indexName)!;
    const existing = index.docs.get(id);
    let source: Source;
    switch (type) {
      case 'index':
        source = body;
        break;
      case 'create':
        if (existing) {
          return {
            status: 409,
            error: {
              type: 'version_conflict_engine_exception',
              reason: `[${id}]: version conflict, document already exists (current version [1])`,
            },
          };
        }
        source = body;
        break;
      case 'update': {
        const update = body as {
          script?: estypes.Script;
          upsert?: Source;
          doc?: Source;
          doc_as_upsert?: boolean;
        };
        if (!existing) {
          const upsert = update.upsert ?? (update.doc_as_upsert ? update.doc : undefined);
          if (!upsert) return { status: 404, error: { type: 'document_missing_exception', reason: id } };
          source = upsert;
        } else if (update.script) {
          const ran = this.evaluate(() => runScript(existing, update.script!));
          if (ran instanceof errors.ResponseError) {
            const error = (ran.body as { error: Body }).error;
            return { status: ran.statusCode ?? 400, error };
          }
          source = ran;
        } else if (update.doc) {
          source = { ...existing, ...update.doc };
        } else {
          return {
            status: 400,
            error: { type: 'action_request_validation_exception', reason: 'no script or doc' },
          };
        }
        break;
      }
      default:
        return { status: 501, error: { type: 'unsupported_by_fake', reason: `bulk action ${type}` } };
    }
    const unmapped = unmappedField(index.mappings, source);
    if (unmapped) {
      return {
        status: 400,
        error: {
          type: 'strict_dynamic_mapping_exception',
          reason: `[1:1] mapping set to strict, dynamic introduction of [${unmapped}] within [_doc] is not allowed`,
        },
      };
    }
    index.docs.set(id, source);
    return existing ? { status: 200, result: 'updated' } : { status: 201, result: 'created' };
  }
}

function unmappedField(mappings: estypes.MappingTypeMapping, source: Source): string | undefined {
  if (mappings.dynamic !== 'strict') return undefined;
  return Object.keys(source).find((field) => !(field in (mappings.properties ?? {})));
}

function injectedError(status: number, id: string): Body {
  return {
    type: status === 429 ? 'es_rejected_execution_exception' : 'document_parsing_exception',
    reason: `status ${status} for ${id}`,
  };
}

function lastSegment(path: string): string {
  return decodeURIComponent(path.split('/').filter(Boolean).pop() ?? '');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
