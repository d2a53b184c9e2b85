/**
 * What the fake cluster evaluates itself, with Elasticsearch's semantics for the part it
 * implements: the structured queries (`match_all`, `term`, `terms`, `ids`, `exists`,
 * `range`, `bool`, `nested`), field sorts with `search_after` (missing values last, the
 * 10 000-hit result window), the aggregations `sum`, `terms`, `range`, `filter`, `nested`
 * and `reverse_nested`, and the one kind of Painless statement counters use
 * (`ctx._source.<field> += params.<name>`). Anything else is refused with
 * `UnsupportedByFake`, never silently ignored; full-text and kNN searches are answered by a
 * test's `onSearch` instead. A `flattened` field needs nothing special: its sub-fields
 * (`attribute_values.color`) are the object's keys, matched as keywords.
 */

import type { estypes } from '@elastic/elasticsearch';
import {
  ACQUIRE_LOCK_SCRIPT,
  RELEASE_LOCK_SCRIPT,
  RENEW_LOCK_SCRIPT,
} from '../../src/backends/elasticsearch/job-store.ts';

export type Source = Record<string, unknown>;

export interface StoredDocument {
  index: string;
  id: string;
  source: Source;
}

export class UnsupportedByFake extends Error {}

/** A request Elasticsearch itself refuses (status and error type as it answers). */
export class RefusedByFake extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    reason: string,
  ) {
    super(reason);
  }
}

const MAX_RESULT_WINDOW = 10_000;

/** The values of a (dotted) field, arrays flattened, nulls dropped: what Elasticsearch indexes. */
export function fieldValues(source: Source, field: string): unknown[] {
  let values: unknown[] = [source];
  for (const part of field.split('.')) {
    values = values
      .flatMap((v) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? [(v as Source)[part]] : []))
      .flatMap((v) => (Array.isArray(v) ? v : [v]));
  }
  return values.filter((v) => v !== null && v !== undefined);
}

function single(spec: unknown, kind: string): [string, unknown] {
  const entries = Object.entries(spec as Record<string, unknown>);
  if (entries.length !== 1)
    throw new RefusedByFake(400, 'parsing_exception', `[${kind}] query needs one field`);
  return entries[0]!;
}

function same(value: unknown, wanted: unknown): boolean {
  return String(value) === String(wanted);
}

function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const [x, y] = [String(a), String(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}

function inRange(value: unknown, bounds: estypes.QueryDslRangeQuery): boolean {
  const b = bounds as { gt?: unknown; gte?: unknown; lt?: unknown; lte?: unknown };
  const c = (bound: unknown) => compare(value, typeof value === 'number' ? Number(bound) : bound);
  return (
    (b.gt === undefined || c(b.gt) > 0) &&
    (b.gte === undefined || c(b.gte) >= 0) &&
    (b.lt === undefined || c(b.lt) < 0) &&
    (b.lte === undefined || c(b.lte) <= 0)
  );
}

function clauses(value: unknown): estypes.QueryDslQueryContainer[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]) as estypes.QueryDslQueryContainer[];
}

export function matches(document: StoredDocument, query: estypes.QueryDslQueryContainer): boolean {
  const entries = Object.entries(query);
  if (entries.length !== 1) throw new RefusedByFake(400, 'parsing_exception', 'one query per container');
  const [kind, spec] = entries[0]!;
  const { source } = document;
  switch (kind) {
    case 'match_all':
      return true;
    case 'match_none':
      return false;
    case 'term': {
      const [field, term] = single(spec, kind);
      const wanted = term !== null && typeof term === 'object' ? (term as { value: unknown }).value : term;
      return fieldValues(source, field).some((v) => same(v, wanted));
    }
    case 'terms': {
      const [field, terms] = single(spec, kind);
      if (!Array.isArray(terms)) throw new UnsupportedByFake('terms lookup is not implemented');
      return fieldValues(source, field).some((v) => terms.some((t) => same(v, t)));
    }
    case 'ids':
      return ((spec as { values: string[] }).values ?? []).includes(document.id);
    case 'exists':
      return fieldValues(source, (spec as { field: string }).field).length > 0;
    case 'range': {
      const [field, bounds] = single(spec, kind);
      return fieldValues(source, field).some((v) => inRange(v, bounds as estypes.QueryDslRangeQuery));
    }
    case 'nested': {
      // Matches when one object of the path matches on its own (fields keep their full names).
      const { path, query: inner } = spec as estypes.QueryDslNestedQuery;
      return nestedObjects(source, path).some((object) =>
        matches({ ...document, source: { [path]: object } }, inner),
      );
    }
    case 'bool': {
      const bool = spec as estypes.QueryDslBoolQuery;
      const required = [...clauses(bool.must), ...clauses(bool.filter)];
      const should = clauses(bool.should);
      const minimumShould = Number(bool.minimum_should_match ?? (required.length === 0 ? 1 : 0));
      return (
        required.every((q) => matches(document, q)) &&
        !clauses(bool.must_not).some((q) => matches(document, q)) &&
        (should.length === 0 || should.filter((q) => matches(document, q)).length >= minimumShould)
      );
    }
    default:
      throw new UnsupportedByFake(`the fake cluster does not evaluate "${kind}" queries`);
  }
}

interface FieldSort {
  field: string;
  descending: boolean;
}

function sortFields(sort: estypes.Sort | undefined): FieldSort[] {
  if (sort === undefined) return [];
  return (Array.isArray(sort) ? sort : [sort]).map((entry) => {
    if (typeof entry === 'string') return { field: entry, descending: false };
    const [field, spec] = single(entry, 'sort');
    if (field.startsWith('_')) throw new UnsupportedByFake(`sorting on ${field} is not implemented`);
    const order = typeof spec === 'string' ? spec : (spec as estypes.SortOptions & { order?: string }).order;
    return { field, descending: order === 'desc' };
  });
}

/** The sort value Elasticsearch uses: the smallest value ascending, the largest descending. */
function sortValue(source: Source, { field, descending }: FieldSort): unknown {
  const values = fieldValues(source, field).sort(compare);
  return descending ? values.at(-1) : values[0];
}

/** Missing values sort last in both directions, as Elasticsearch's default `missing: _last`. */
function compareSortValues(a: unknown[], b: unknown[], fields: readonly FieldSort[]): number {
  for (const [i, { descending }] of fields.entries()) {
    const [x, y] = [a[i], b[i]];
    if (x === undefined || y === undefined) {
      if (x !== y) return x === undefined ? 1 : -1;
      continue;
    }
    const order = compare(x, y);
    if (order !== 0) return descending ? -order : order;
  }
  return 0;
}

const SEARCH_KEYS = new Set([
  'query',
  'sort',
  'search_after',
  'size',
  'from',
  'aggs',
  'aggregations',
  'track_total_hits',
  '_source',
]);

/** `_source`: false for none, a field list for those fields (top-level names), true or absent for all. */
function selectSource(source: Source, selection: estypes.SearchSourceConfig | undefined): Source | undefined {
  if (selection === false) return undefined;
  if (selection === undefined || selection === true) return source;
  if (!Array.isArray(selection) && typeof selection !== 'string') {
    throw new UnsupportedByFake('only false, true or a field list is implemented for _source');
  }
  const fields = Array.isArray(selection) ? selection : [selection];
  return Object.fromEntries(Object.entries(source).filter(([field]) => fields.includes(field)));
}

export function searchDocuments(
  documents: readonly StoredDocument[],
  body: estypes.SearchRequest,
): estypes.SearchResponse {
  for (const key of Object.keys(body)) {
    if (!SEARCH_KEYS.has(key)) {
      throw new UnsupportedByFake(`the fake cluster does not implement "${key}" in a search`);
    }
  }
  const size = body.size ?? 10;
  const from = body.from ?? 0;
  if (from + size > MAX_RESULT_WINDOW) {
    throw new RefusedByFake(400, 'illegal_argument_exception', 'Result window is too large');
  }
  const fields = sortFields(body.sort);
  if (body.search_after && fields.length === 0) {
    throw new RefusedByFake(400, 'action_request_validation_exception', 'search_after needs a sort');
  }
  const matched = documents
    .filter((d) => matches(d, body.query ?? { match_all: {} }))
    .map((d) => ({ document: d, sort: fields.map((f) => sortValue(d.source, f)) }));
  if (fields.length > 0) matched.sort((a, b) => compareSortValues(a.sort, b.sort, fields));
  const after = body.search_after;
  const page = (after ? matched.filter((m) => compareSortValues(m.sort, after, fields) > 0) : matched).slice(
    from,
    from + size,
  );
  const aggregations = aggregate(
    matched.map((m) => m.document.source),
    body.aggs ?? body.aggregations,
  );
  return {
    took: 1,
    timed_out: false,
    _shards: { total: 1, successful: 1, skipped: 0, failed: 0 },
    hits: {
      ...(body.track_total_hits !== false && { total: { value: matched.length, relation: 'eq' as const } }),
      max_score: null,
      hits: page.map(({ document, sort }) => ({
        _index: document.index,
        _id: document.id,
        _score: fields.length > 0 ? null : 1,
        ...(body._source !== false && { _source: selectSource(document.source, body._source) }),
        ...(fields.length > 0 && { sort: sort.map((v) => v ?? null) }),
      })),
    },
    ...(aggregations && { aggregations }),
  };
}

/** The objects of a nested field (one object or a list). */
function nestedObjects(source: Source, path: string): Source[] {
  const value = source[path];
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]) as Source[];
}

/** What an aggregation counts: a document, or a nested object with the document it belongs to. */
interface Bucketed {
  source: Source;
  /** The top-level document a nested object belongs to (reverse_nested counts these). */
  root: Source;
}

function subAggregations(
  docs: readonly Bucketed[],
  container: estypes.AggregationsAggregationContainer,
): Record<string, estypes.AggregationsAggregate> {
  return aggregateDocs(docs, container.aggs ?? container.aggregations) ?? {};
}

function aggregateOne(
  docs: readonly Bucketed[],
  container: estypes.AggregationsAggregationContainer,
): estypes.AggregationsAggregate {
  const kinds = Object.keys(container).filter((k) => k !== 'aggs' && k !== 'aggregations');
  if (kinds.length !== 1)
    throw new RefusedByFake(400, 'parsing_exception', 'one aggregation type per container');
  const kind = kinds[0]!;
  switch (kind) {
    case 'sum': {
      const field = container.sum!.field!;
      const value = docs.reduce(
        (total, d) => total + fieldValues(d.source, field).reduce<number>((s, v) => s + Number(v), 0),
        0,
      );
      return { value };
    }
    case 'terms': {
      const { field, size = 10 } = container.terms!;
      const counts = new Map<string, Bucketed[]>();
      for (const d of docs) {
        for (const value of new Set(fieldValues(d.source, field!).map(String))) {
          counts.set(value, [...(counts.get(value) ?? []), d]);
        }
      }
      const buckets = [...counts]
        .sort(([a, x], [b, y]) => y.length - x.length || (a < b ? -1 : 1))
        .slice(0, size)
        .map(([key, inBucket]) => ({
          key,
          doc_count: inBucket.length,
          ...subAggregations(inBucket, container),
        }));
      return { doc_count_error_upper_bound: 0, sum_other_doc_count: 0, buckets };
    }
    case 'range': {
      const { field, ranges = [], keyed } = container.range!;
      if (keyed) throw new UnsupportedByFake('keyed range aggregations are not implemented');
      const buckets = ranges.map((range) => {
        const inBucket = docs.filter((d) =>
          fieldValues(d.source, field!).some(
            (v) =>
              (range.from === undefined || Number(v) >= Number(range.from)) &&
              (range.to === undefined || Number(v) < Number(range.to)),
          ),
        );
        return {
          ...(range.key !== undefined && { key: range.key }),
          ...(range.from !== undefined && { from: Number(range.from) }),
          ...(range.to !== undefined && { to: Number(range.to) }),
          doc_count: inBucket.length,
          ...subAggregations(inBucket, container),
        };
      });
      return { buckets } as estypes.AggregationsRangeAggregate;
    }
    case 'filter': {
      const inBucket = docs.filter((d) =>
        matches({ index: '', id: '', source: d.source }, container.filter as estypes.QueryDslQueryContainer),
      );
      return {
        doc_count: inBucket.length,
        ...subAggregations(inBucket, container),
      } as estypes.AggregationsAggregate;
    }
    case 'nested': {
      const path = container.nested!.path!;
      const objects = docs.flatMap((d) =>
        nestedObjects(d.source, path).map((object) => ({ source: { [path]: object }, root: d.root })),
      );
      return {
        doc_count: objects.length,
        ...subAggregations(objects, container),
      } as estypes.AggregationsAggregate;
    }
    case 'reverse_nested': {
      const roots = [...new Set(docs.map((d) => d.root))].map((root) => ({ source: root, root }));
      return {
        doc_count: roots.length,
        ...subAggregations(roots, container),
      } as estypes.AggregationsAggregate;
    }
    default:
      throw new UnsupportedByFake(`the fake cluster does not compute ${kind} aggregations`);
  }
}

function aggregateDocs(
  docs: readonly Bucketed[],
  aggs: Record<string, estypes.AggregationsAggregationContainer> | undefined,
): Record<string, estypes.AggregationsAggregate> | undefined {
  if (!aggs) return undefined;
  return Object.fromEntries(
    Object.entries(aggs).map(([name, container]) => [name, aggregateOne(docs, container)]),
  );
}

function aggregate(
  sources: readonly Source[],
  aggs: Record<string, estypes.AggregationsAggregationContainer> | undefined,
): Record<string, estypes.AggregationsAggregate> | undefined {
  return aggregateDocs(
    sources.map((source) => ({ source, root: source })),
    aggs,
  );
}

const INCREMENT = /^ctx\._source\.(\w+)\s*\+=\s*params\.(\w+)$/;

/** Runs `ctx._source.<field> += params.<name>` statements on a copy of the source, as Painless would. */
export function runScript(source: Source, script: estypes.Script | string): Source {
  const { source: code, params = {} } = typeof script === 'string' ? { source: script } : script;
  const updated = { ...source };
  for (const statement of String(code)
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const match = INCREMENT.exec(statement);
    if (!match) throw new UnsupportedByFake(`the fake cluster cannot run the statement "${statement}"`);
    const [, field, param] = match;
    const current = updated[field!];
    const add = (params as Record<string, unknown>)[param!];
    if (typeof current !== 'number' || typeof add !== 'number') {
      // Painless fails the same way on null += number.
      throw new RefusedByFake(400, 'script_exception', `cannot add ${String(add)} to ${String(current)}`);
    }
    updated[field!] = current + add;
  }
  return updated;
}

/**
 * The job-lock scripts (src/backends/elasticsearch/job-store.ts), which are conditionals the
 * statement runner above cannot parse: the fake knows them by their source and does what
 * Painless would, deciding the operation (`index`, `noop` or `delete`) as `ctx.op` does.
 */
export function runUpdateScript(
  source: Source,
  script: estypes.Script,
): { op: 'index' | 'noop' | 'delete'; source: Source } {
  const params = (script.params ?? {}) as Record<string, unknown>;
  const ours = source.owner === params.owner;
  switch (script.source) {
    case ACQUIRE_LOCK_SCRIPT:
      return ours || (source.expires_at as number) <= (params.now as number)
        ? { op: 'index', source: { ...source, owner: params.owner, expires_at: params.expires_at } }
        : { op: 'noop', source };
    case RENEW_LOCK_SCRIPT:
      return ours
        ? { op: 'index', source: { ...source, expires_at: params.expires_at } }
        : { op: 'noop', source };
    case RELEASE_LOCK_SCRIPT:
      return { op: ours ? 'delete' : 'noop', source };
    default:
      return { op: 'index', source: runScript(source, script) };
  }
}
