/**
 * The Elasticsearch indices that hold shopper data, beside the product alias they are
 * named after: `<alias>-events`, `<alias>-impressions`, `<alias>-profiles`,
 * `<alias>-product-stats`, `<alias>-query-product-stats` and `<alias>-engagement-lists`. They are plain indices, not versioned like the product indices
 * (a product reindex must not touch shopper history) and not data streams (idempotency
 * needs `_id` = event_id unique across the whole index, which a data stream only checks
 * within one backing index). Their names never match `<alias>-NNNNNN`, so the product
 * index lifecycle neither lists nor prunes them.
 */
import { createHash } from 'node:crypto';
import type { estypes } from '@elastic/elasticsearch';
import type { ListedItem } from '../../users/engagement-lists.ts';
import type {
  EventType,
  Impression,
  ImpressionExperiment,
  Intervention,
  StoredEvent,
} from '../../users/events.ts';
import type { UserProfile } from '../../users/profiles.ts';
import type { QueryProductStats } from '../../users/query-engagement.ts';

export interface ShopperIndices {
  events: string;
  impressions: string;
  profiles: string;
  productStats: string;
  queryProductStats: string;
  engagementLists: string;
}

export function shopperIndexNames(alias: string): ShopperIndices {
  return {
    events: `${alias}-events`,
    impressions: `${alias}-impressions`,
    profiles: `${alias}-profiles`,
    productStats: `${alias}-product-stats`,
    queryProductStats: `${alias}-query-product-stats`,
    engagementLists: `${alias}-engagement-lists`,
  };
}

const MAX_ID_BYTES = 512;

/**
 * The document `_id` for a key: the key itself, or its SHA-256 where the key is longer than
 * the 512 bytes Elasticsearch allows (identifiers may be 256 characters of 4-byte UTF-8).
 * Deterministic, so idempotency by event_id holds for long ids too.
 */
export function documentId(key: string): string {
  if (Buffer.byteLength(key) <= MAX_ID_BYTES) return key;
  return `sha256:${createHash('sha256').update(key).digest('hex')}`;
}

const keyword: estypes.MappingProperty = { type: 'keyword' };
const epochMillis: estypes.MappingProperty = { type: 'date', format: 'epoch_millis' };
/** Kept in `_source` only: read back whole, never searched or aggregated. */
const storedOnly: estypes.MappingProperty = { type: 'object', enabled: false };

/** Strict mappings: a misspelt field is refused instead of silently mapped. */
export const SHOPPER_MAPPINGS: Record<keyof ShopperIndices, estypes.MappingTypeMapping> = {
  events: {
    dynamic: 'strict',
    properties: {
      event_id: keyword,
      type: keyword,
      user_hash: keyword,
      session_id: keyword,
      query_id: keyword,
      product_id: keyword,
      position: { type: 'integer' },
      timestamp: epochMillis,
      /** False while the event is stored but not yet folded into its shopper's profile. */
      folded: { type: 'boolean' },
    },
  },
  impressions: {
    dynamic: 'strict',
    properties: {
      query_id: keyword,
      user_hash: keyword,
      session_id: keyword,
      query: { type: 'keyword', index: false, doc_values: false },
      timestamp: epochMillis,
      model_version: keyword,
      intervention: storedOnly,
      experiment: storedOnly,
      items: storedOnly,
    },
  },
  profiles: {
    dynamic: 'strict',
    properties: {
      user_hash: keyword,
      updated_at: epochMillis,
      /** The replaceAllProfiles run that wrote the profile (absent for per-event saves). */
      generation: keyword,
      profile: storedOnly,
      /** Ids of the events folded in most recently: a fold that is resumed skips them. */
      folded_events: { type: 'keyword', index: false, doc_values: false },
    },
  },
  productStats: {
    dynamic: 'strict',
    properties: {
      product_id: keyword,
      impressions: { type: 'long' },
      clicks: { type: 'long' },
      carts: { type: 'long' },
      purchases: { type: 'long' },
    },
  },
  queryProductStats: {
    dynamic: 'strict',
    properties: {
      query_key: keyword,
      product_id: keyword,
      impressions: { type: 'long' },
      examinations: { type: 'double' },
      clicks: { type: 'long' },
      carts: { type: 'long' },
      purchases: { type: 'long' },
    },
  },
  engagementLists: {
    dynamic: 'strict',
    properties: {
      list: keyword,
      key: keyword,
      /** The replaceEngagementLists run that wrote the list. */
      generation: keyword,
      items: storedOnly,
    },
  },
};

export interface EngagementListDocument {
  list: string;
  key: string;
  generation: string;
  items: ListedItem[];
}

export interface EventDocument {
  event_id: string;
  type: EventType;
  user_hash?: string;
  session_id?: string;
  query_id?: string;
  product_id: string;
  position?: number;
  timestamp: number;
  folded?: boolean;
}

export function toEventDocument(e: StoredEvent): EventDocument {
  return {
    event_id: e.eventId,
    type: e.type,
    product_id: e.productId,
    timestamp: e.timestamp,
    ...(e.userHash !== undefined && { user_hash: e.userHash }),
    ...(e.sessionId !== undefined && { session_id: e.sessionId }),
    ...(e.queryId !== undefined && { query_id: e.queryId }),
    ...(e.position !== undefined && { position: e.position }),
  };
}

export function fromEventDocument(d: EventDocument): StoredEvent {
  return {
    eventId: d.event_id,
    type: d.type,
    productId: d.product_id,
    timestamp: d.timestamp,
    ...(d.user_hash !== undefined && { userHash: d.user_hash }),
    ...(d.session_id !== undefined && { sessionId: d.session_id }),
    ...(d.query_id !== undefined && { queryId: d.query_id }),
    ...(d.position !== undefined && { position: d.position }),
  };
}

export interface ImpressionDocument {
  query_id: string;
  user_hash?: string;
  session_id?: string;
  query: string;
  timestamp: number;
  model_version?: string;
  intervention?: Intervention;
  experiment?: ImpressionExperiment;
  items: Impression['items'];
}

export function toImpressionDocument(i: Impression): ImpressionDocument {
  return {
    query_id: i.queryId,
    query: i.query,
    timestamp: i.timestamp,
    items: i.items,
    ...(i.userHash !== undefined && { user_hash: i.userHash }),
    ...(i.sessionId !== undefined && { session_id: i.sessionId }),
    ...(i.modelVersion !== undefined && { model_version: i.modelVersion }),
    ...(i.intervention !== undefined && { intervention: i.intervention }),
    ...(i.experiment !== undefined && { experiment: i.experiment }),
  };
}

export function fromImpressionDocument(d: ImpressionDocument): Impression {
  return {
    queryId: d.query_id,
    query: d.query,
    timestamp: d.timestamp,
    items: d.items,
    ...(d.user_hash !== undefined && { userHash: d.user_hash }),
    ...(d.session_id !== undefined && { sessionId: d.session_id }),
    ...(d.model_version !== undefined && { modelVersion: d.model_version }),
    ...(d.intervention !== undefined && { intervention: d.intervention }),
    ...(d.experiment !== undefined && { experiment: d.experiment }),
  };
}

export interface ProfileDocument {
  user_hash: string;
  updated_at: number;
  generation?: string;
  profile: UserProfile;
  folded_events?: string[];
}

export interface ProductStatsDocument {
  product_id: string;
  impressions: number;
  clicks: number;
  carts: number;
  purchases: number;
}

export type CounterIncrements = Omit<ProductStatsDocument, 'product_id'>;

/**
 * Adds to a product's counters where they live, in the cluster, so concurrent replicas
 * never lose each other's increments (a read-modify-write in the service would). One
 * constant source: compiled once, cached by the cluster.
 */
const INCREMENT_COUNTERS =
  'ctx._source.impressions += params.impressions; ctx._source.clicks += params.clicks; ' +
  'ctx._source.carts += params.carts; ctx._source.purchases += params.purchases';

/** Bulk `update` action + body: the scripted increment, or the counters as the first document. */
export function counterUpdate(
  index: string,
  productId: string,
  increments: CounterIncrements,
  retryOnConflict: number,
): [estypes.BulkOperationContainer, estypes.BulkUpdateAction<ProductStatsDocument>] {
  return [
    { update: { _index: index, _id: documentId(productId), retry_on_conflict: retryOnConflict } },
    {
      script: { source: INCREMENT_COUNTERS, lang: 'painless', params: { ...increments } },
      upsert: { product_id: productId, ...increments },
    },
  ];
}

export function eventIncrements(type: EventType): CounterIncrements {
  return {
    impressions: 0,
    clicks: type === 'click' ? 1 : 0,
    carts: type === 'add_to_cart' ? 1 : 0,
    purchases: type === 'purchase' ? 1 : 0,
  };
}

export interface QueryProductStatsDocument extends QueryProductStats {
  query_key: string;
  product_id: string;
}

/** One document per (query key, product): the pair as JSON, so no separator can be ambiguous. */
export function queryProductDocumentId(key: string, productId: string): string {
  return documentId(JSON.stringify([key, productId]));
}

const INCREMENT_QUERY_COUNTERS =
  'ctx._source.impressions += params.impressions; ctx._source.examinations += params.examinations; ' +
  'ctx._source.clicks += params.clicks; ctx._source.carts += params.carts; ' +
  'ctx._source.purchases += params.purchases';

/** Bulk `update` action + body for a (query, product) pair's counters, as `counterUpdate`. */
export function queryCounterUpdate(
  index: string,
  key: string,
  productId: string,
  increments: QueryProductStats,
  retryOnConflict: number,
): [estypes.BulkOperationContainer, estypes.BulkUpdateAction<QueryProductStatsDocument>] {
  return [
    {
      update: {
        _index: index,
        _id: queryProductDocumentId(key, productId),
        retry_on_conflict: retryOnConflict,
      },
    },
    {
      script: { source: INCREMENT_QUERY_COUNTERS, lang: 'painless', params: { ...increments } },
      upsert: { query_key: key, product_id: productId, ...increments },
    },
  ];
}
