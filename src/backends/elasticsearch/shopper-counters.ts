/**
 * Product and (query, product) engagement counters in the cluster: the increments a batch
 * of events or impressions adds, written as scripted upserts so replicas add to them
 * concurrently without losing increments, and the totals over all products.
 */
import type { estypes } from '@elastic/elasticsearch';
import type { Logger } from '../../main/logger.ts';
import type { ProductStats } from '../../users/event-store.ts';
import {
  addQueryProductStats,
  EMPTY_QUERY_PRODUCT_STATS,
  type QueryProductStats,
} from '../../users/query-engagement.ts';
import { type BulkOperation, type ClusterResource, refusedItems } from './cluster.ts';
import {
  type CounterIncrements,
  counterUpdate,
  queryCounterUpdate,
  type ShopperIndices,
} from './shopper-indices.ts';
import { refreshIndices } from './shopper-reads.ts';

/** Concurrent increments of one product's counters conflict; the cluster retries them. */
const RETRY_ON_CONFLICT = 5;

type StatsAggregations = Record<keyof ProductStats, estypes.AggregationsSumAggregate>;
type QueryStatsAggregations = Record<keyof QueryProductStats, estypes.AggregationsSumAggregate>;

/** (query key, product id) -> counters to add. */
export type QueryIncrements = Map<string, Map<string, QueryProductStats>>;

export function addQueryIncrements(
  into: QueryIncrements,
  key: string,
  productId: string,
  add: Partial<QueryProductStats>,
): void {
  const products = into.get(key) ?? new Map<string, QueryProductStats>();
  products.set(productId, addQueryProductStats(products.get(productId) ?? EMPTY_QUERY_PRODUCT_STATS, add));
  into.set(key, products);
}

export function addIncrements(
  into: Map<string, CounterIncrements>,
  productId: string,
  add: CounterIncrements,
): void {
  const current = into.get(productId) ?? { impressions: 0, clicks: 0, carts: 0, purchases: 0 };
  into.set(productId, {
    impressions: current.impressions + add.impressions,
    clicks: current.clicks + add.clicks,
    carts: current.carts + add.carts,
    purchases: current.purchases + add.purchases,
  });
}

export function counterOperations(
  indices: ShopperIndices,
  increments: ReadonlyMap<string, CounterIncrements>,
): BulkOperation[] {
  return [...increments].map(([productId, add]) => {
    const [action, body] = counterUpdate(indices.productStats, productId, add, RETRY_ON_CONFLICT);
    return { action, body };
  });
}

export function queryCounterOperations(
  indices: ShopperIndices,
  increments: QueryIncrements,
): BulkOperation[] {
  return [...increments].flatMap(([key, products]) =>
    [...products].map(([productId, add]) => {
      const [action, body] = queryCounterUpdate(
        indices.queryProductStats,
        key,
        productId,
        add,
        RETRY_ON_CONFLICT,
      );
      return { action, body };
    }),
  );
}

/** Best effort: a failure is logged and does not fail the intake, which has stored the events. */
export async function incrementCounters(
  cluster: ClusterResource,
  indices: ShopperIndices,
  logger: Logger | undefined,
  increments: ReadonlyMap<string, CounterIncrements>,
  queryIncrements: QueryIncrements = new Map(),
): Promise<void> {
  const operations = [
    ...counterOperations(indices, increments),
    ...queryCounterOperations(indices, queryIncrements),
  ];
  if (operations.length === 0) return;
  try {
    const failed = refusedItems(await cluster.bulk(operations, { idempotent: false }), String);
    if (failed.length > 0) {
      logger?.error(
        { failed: failed.length, reason: failed[0]!.item.error?.reason, index: indices.productStats },
        'product counters not updated; the events are stored',
      );
    }
  } catch (error) {
    logger?.error(
      { err: error, index: indices.productStats },
      'product counters not updated; the events are stored',
    );
  }
}

/** Totals over all products: the prior that smooths each product's click-through rate. */
export async function totalStats(cluster: ClusterResource, indices: ShopperIndices): Promise<ProductStats> {
  await refreshIndices(cluster, indices.productStats);
  const sum = (field: keyof ProductStats): estypes.AggregationsAggregationContainer => ({ sum: { field } });
  const response = await cluster.call((client) =>
    client.search<unknown, StatsAggregations>({
      index: indices.productStats,
      size: 0,
      track_total_hits: false,
      aggs: {
        impressions: sum('impressions'),
        clicks: sum('clicks'),
        carts: sum('carts'),
        purchases: sum('purchases'),
      },
    }),
  );
  const total = (field: keyof ProductStats) => Math.round(response.aggregations?.[field]?.value ?? 0);
  return {
    impressions: total('impressions'),
    clicks: total('clicks'),
    carts: total('carts'),
    purchases: total('purchases'),
  };
}

export async function queryEngagementTotals(
  cluster: ClusterResource,
  indices: ShopperIndices,
): Promise<QueryProductStats> {
  await refreshIndices(cluster, indices.queryProductStats);
  const sum = (field: keyof QueryProductStats): estypes.AggregationsAggregationContainer => ({
    sum: { field },
  });
  const response = await cluster.call((client) =>
    client.search<unknown, QueryStatsAggregations>({
      index: indices.queryProductStats,
      size: 0,
      track_total_hits: false,
      aggs: {
        impressions: sum('impressions'),
        examinations: sum('examinations'),
        clicks: sum('clicks'),
        carts: sum('carts'),
        purchases: sum('purchases'),
      },
    }),
  );
  const total = (field: keyof QueryProductStats) => response.aggregations?.[field]?.value ?? 0;
  return {
    impressions: Math.round(total('impressions')),
    examinations: total('examinations'),
    clicks: Math.round(total('clicks')),
    carts: Math.round(total('carts')),
    purchases: Math.round(total('purchases')),
  };
}
