/**
 * The saved ranker versions as an operator sees them (`models list`, GET /v1/admin/models):
 * where each stands, what its gate and shadow phase decided with the numbers, whom it
 * serves, and whether its files check out. Newest first.
 */
import type { RankerRegistry, RegistryState, ShadowReport } from './model-registry.ts';
import type { RankerMetadata } from './ranker-model.ts';
import { servesSegment } from './serving-order.ts';

export function listRankers(rankers: RankerRegistry) {
  const state = rankers.state();
  return rankers.list().map((m) => ({
    ...describeModel(m, state, rankers.shadowReport(m.version)),
    files: filesCheck(rankers, m),
  }));
}

export type RankerListing = ReturnType<typeof listRankers>[number];

/** `ok` (sizes and SHA-256 match), `unchecked` (saved before checksums, but loads) or what is wrong. */
function filesCheck(rankers: RankerRegistry, m: RankerMetadata): string {
  const problem = rankers.problem(m.version);
  return problem ?? (m.files ? 'ok' : 'unchecked');
}

type ModelStatus = 'serving' | 'shadow' | 'previously_serving' | 'rejected' | 'superseded' | 'saved';

/** One model as `models list` shows it: where it stands, what its gate and shadow phase decided, with the numbers. */
function describeModel(m: RankerMetadata, state: RegistryState, shadow: ShadowReport | undefined) {
  const segments = m.gate?.segments;
  const status: ModelStatus =
    m.version === state.active
      ? 'serving'
      : m.version === state.shadow?.version
        ? 'shadow'
        : state.history.includes(m.version)
          ? 'previously_serving'
          : shadow?.status === 'rejected' ||
              (segments && !segments.with_history.serve && !segments.without_history.serve)
            ? 'rejected'
            : shadow?.status === 'superseded'
              ? 'superseded'
              : 'saved';
  return {
    version: m.version,
    status,
    serving: m.version === state.active,
    previously_serving: state.history.includes(m.version),
    source: m.training.source,
    trained_at: m.trained_at,
    heldout_ndcg10: m.metrics.ndcg10,
    fused_ndcg10: m.metrics.ndcg10_fused,
    backend: m.tensorflow.backend,
    serves: {
      shoppers_with_history: servesSegment(m, 'with_history'),
      shoppers_without_history: servesSegment(m, 'without_history'),
    },
    correction_bound: m.correction?.bound ?? null,
    gate: m.gate ?? null,
    position_bias: m.training.position_propensity
      ? {
          method: m.training.propensity?.method ?? 'em',
          randomized_searches: m.training.propensity?.randomized_searches ?? 0,
          intervention_clicks: m.training.propensity?.intervention_clicks ?? 0,
          by_position: m.training.position_propensity.slice(0, 10),
        }
      : null,
    shadow: shadow ?? null,
  };
}
