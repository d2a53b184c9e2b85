/**
 * Serving an experiment's search: the shopper is assigned (assignment.ts); an A/B search is
 * ranked by its arm's ranker, an interleaved one by team-draft interleaving of both, each
 * product credited to the arm that contributed it. A ranker is `fused` (no model), `active`
 * (the serving model) or a saved model version; a version that cannot be loaded takes the
 * search out of the experiment (logged once), it never fails the search.
 */
import type { Logger } from '../main/logger.ts';
import type { FusedCandidate } from '../ranking/candidate.ts';
import type { RankerRegistry } from '../ranking/model-registry.ts';
import type { SavedRanker } from '../ranking/ranker-model.ts';
import type { Reranker, RerankOutcome } from '../ranking/reranker.ts';
import type { Impression, ImpressionExperiment, StoredEvent } from '../users/events.ts';
import { type Assignment, assign, unitHash } from './assignment.ts';
import { type Arm, type Experiment, type ExperimentsSettings, isRunning } from './experiment-settings.ts';
import { teamDraftInterleave } from './team-draft.ts';

export interface ExperimentServing {
  outcome: RerankOutcome;
  experiment: ImpressionExperiment;
  /** Interleaving: the arm that contributed each product of the interleaved top. */
  teams?: ReadonlyMap<string, Arm>;
}

export interface ExperimentSearch {
  queryId: string;
  userId?: string;
  sessionId?: string;
  /** A first page by relevance: only those are interleaved. */
  firstPage: boolean;
  /** Products shown on the page. */
  size: number;
}

export class OnlineExperiments {
  private readonly models = new Map<string, SavedRanker | Error>();

  constructor(
    private readonly deps: {
      settings: () => ExperimentsSettings;
      reranker: Reranker;
      registry: RankerRegistry;
      logger?: Logger;
    },
  ) {}

  /** Which experiment (and arm) this search belongs to, if any. */
  assignment(search: ExperimentSearch, now = Date.now()): Assignment | undefined {
    const { experiments } = this.deps.settings();
    if (experiments.length === 0) return undefined;
    const shopper =
      search.userId !== undefined
        ? `u:${search.userId}`
        : search.sessionId !== undefined
          ? `s:${search.sessionId}`
          : `q:${search.queryId}`;
    const found = assign(experiments, shopper, (e) => isRunning(e, now));
    if (found?.experiment.method === 'interleaving' && !search.firstPage) return undefined;
    return found;
  }

  /** Ranks the candidates for the assigned experiment; undefined when an arm's ranker cannot serve. */
  serve(
    assignment: Assignment,
    search: ExperimentSearch,
    candidates: readonly FusedCandidate[],
    features: Float32Array,
    count: number,
  ): ExperimentServing | undefined {
    const { experiment } = assignment;
    const rank = (arm: Arm) => {
      const model = this.ranker(experiment, arm);
      return model instanceof Error
        ? undefined
        : this.deps.reranker.rerankWith(model, candidates, features, count);
    };
    if (assignment.arm) {
      const outcome = rank(assignment.arm);
      return outcome && { outcome, experiment: { id: experiment.id, method: 'ab', arm: assignment.arm } };
    }
    const control = rank('control');
    const treatment = rank('treatment');
    if (!control || !treatment) return undefined;
    const depth = Math.min(candidates.length, Math.max(search.size, count));
    const interleaved = teamDraftInterleave(
      control.candidates.slice(0, depth),
      treatment.candidates.slice(0, depth),
      depth,
      (round) => unitHash(`${search.queryId}\u0000${round}`) < 0.5,
    );
    const teams = new Map(interleaved.map(({ item, team }) => [item.id, team]));
    const rest = control.candidates.filter((c) => !teams.has(c.id));
    return {
      outcome: {
        candidates: [...interleaved.map((i) => i.item), ...rest],
        reranked: control.reranked || treatment.reranked,
        window: depth,
        scores: new Map(),
      },
      experiment: { id: experiment.id, method: 'interleaving' },
      teams,
    };
  }

  /**
   * The clicks and purchases among new events that fall to an experiment's arm (the A/B arm
   * its search was served, or the team that contributed the product to an interleaved list).
   */
  async credit(
    events: readonly StoredEvent[],
    impression: (queryId: string) => Promise<Impression | undefined>,
  ): Promise<{ experiment: string; arm: Arm; action: 'click' | 'purchase' }[]> {
    if (this.deps.settings().experiments.length === 0) return [];
    const credited: { experiment: string; arm: Arm; action: 'click' | 'purchase' }[] = [];
    const searches = new Map<string, Impression | undefined>();
    for (const event of events) {
      if ((event.type !== 'click' && event.type !== 'purchase') || event.queryId === undefined) continue;
      if (!searches.has(event.queryId)) searches.set(event.queryId, await impression(event.queryId));
      const shown = searches.get(event.queryId);
      if (!shown?.experiment) continue;
      const arm = shown.experiment.arm ?? shown.items.find((i) => i.productId === event.productId)?.team;
      if (arm) credited.push({ experiment: shown.experiment.id, arm, action: event.type });
    }
    return credited;
  }

  /** The arm's model: undefined for the fused order, an Error when it cannot be loaded. */
  private ranker(experiment: Experiment, arm: Arm): SavedRanker | undefined | Error {
    const name = experiment[arm];
    if (name === 'fused') return undefined;
    if (name === 'active') return this.deps.reranker.active;
    let model = this.models.get(name);
    if (!model) {
      try {
        model = this.deps.registry.load(name);
      } catch (error) {
        model = error instanceof Error ? error : new Error(String(error));
        this.deps.logger?.error(
          { err: error, experiment: experiment.id, arm, ranker: name },
          'experiment ranker cannot be loaded; its searches are served as usual',
        );
      }
      this.models.set(name, model);
    }
    return model;
  }
}
