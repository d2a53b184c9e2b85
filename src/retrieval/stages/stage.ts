/**
 * The contract of a search stage: one entry function from what earlier stages produced
 * (typed input) to what it adds (typed output). The pipeline times it under its name
 * (`took.stages`), merges its output into the search's state, and asks it for its part of
 * each hit's explanation. A stage needs only the fields it names, so a new stage (rules
 * after rerank, a spelling step after analyze, per-query fusion weights before fuse) slots
 * into the list in search-pipeline.ts without touching the others.
 */
import type { ProductSummary, SearchBackend } from '../../catalog/search-backend.ts';
import type { EmbedderSlot } from '../../embeddings/embedder.ts';
import type { OnlineExperiments } from '../../experiments/online-experiments.ts';
import type { HitRuleEffect } from '../../merchandising/plan.ts';
import type { MerchandisingSettings } from '../../merchandising/settings.ts';
import type { FusedCandidate, LegPosition } from '../../ranking/candidate.ts';
import type { FeatureSource } from '../../ranking/features/feature-source.ts';
import type { Reranker } from '../../ranking/reranker.ts';
import type { SpellingDictionary } from '../../text/spelling.ts';
import type { EventStore } from '../../users/event-store.ts';
import type { KnnFloor } from '../catalog-calibration.ts';
import type { FusionMethod, SearchRequest } from '../search-request.ts';
import type { SearchSettings } from '../search-settings.ts';
import type { StageTimer } from '../stage-timer.ts';

export interface Stage<In, Out> {
  readonly name: string;
  run(input: In): Out | Promise<Out>;
  /** The output without running, when the stage does not apply (it is then not timed). */
  skip?(input: In): Out | undefined;
  /** This stage's part of a hit's explanation (`explain=true`), from the final state. */
  explain?(state: In & Out, id: string): HitExplanation | undefined;
}

/** Why a hit ranks where it does (`explain=true`): each field is one stage's part. */
export interface HitExplanation {
  bm25?: LegPosition | null;
  knn?: LegPosition | null;
  fused?: {
    method: FusionMethod;
    score: number;
    rank: number;
    /** The vector leg's weight for this query and the share of its words the best keyword hit holds. */
    knn_weight: number;
    query_coverage: number;
  };
  /** When the learned ranker scored the hit: its score, feature values and what each contributed. */
  ranking?: {
    model: string;
    score: number;
    features: Record<string, number>;
    contributions: Record<string, number>;
  };
  /** When the shopper's profile boost ordered the page (no model served them): the hit's affinity and score. */
  personalization?: { affinity: number; score: number };
  /** The merchandising rules that moved or placed the hit, and what each did. */
  rules?: HitRuleEffect[];
}

/** What a search observes (metrics); absent in tests that do not care. */
export interface SearchObservation {
  queryId: string;
  mode: 'hybrid' | 'browse';
  /** The query text as the shopper typed it (empty for browse). */
  query: string;
  total: number;
  shown: number;
  /** 1-based position of the first hit shown (page 2 of size 10 starts at 11). */
  firstPosition: number;
  stages: Record<string, number>;
  reranked: boolean;
  /** |reranked position - fused position| of each shown hit the model moved or kept. */
  positionShifts: number[];
  /** The experiment the search took part in: `arm` is the A/B arm, or `interleaved`. */
  experiment?: { id: string; arm: string };
  /** Ids of the merchandising rules that fired. */
  rules: string[];
}

export interface SearchObserver {
  search(observation: SearchObservation): void;
  /** The embedder failed; the search ran on BM25 alone. */
  embedderError(error: unknown): void;
}

/** The tuning files as one search reads them: the marketer's files and the retrieval settings. */
export interface SearchSnapshot extends MerchandisingSettings {
  search: SearchSettings;
}

/** What the stages work with: the engine, the embedder and the second phase's collaborators. */
export interface SearchDeps {
  backend: SearchBackend;
  embedder: EmbedderSlot;
  /** The tuning files; read once per search, so a reload never splits one search. */
  settings: () => SearchSnapshot;
  ranking: {
    reranker: Reranker;
    features: FeatureSource;
    events: EventStore;
    /** Online experiments between rankers (mappings/experiments.yaml); absent: none. */
    experiments?: OnlineExperiments;
  };
  /** What retrieval learned from the stored catalog (spelling, the vector noise floor). */
  calibration: { readonly spelling: SpellingDictionary | undefined; knnFloor(): KnnFloor | undefined };
  observer?: SearchObserver;
}

/** Where every search starts. */
export interface SearchStart {
  request: SearchRequest;
  settings: SearchSnapshot;
  deps: SearchDeps;
  queryId: string;
  /** Epoch ms the search runs at: campaign windows are checked against it. */
  now: number;
  /** Whether the search is logged and observed (a preview's searches are neither). */
  record: boolean;
}

/** A page of hits in serving order, before their products are fetched. */
export interface PageOfHits {
  page: FusedCandidate[];
  /** Position of the page's first hit minus one. */
  offset: number;
  total: number;
}

export type Summaries = ReadonlyMap<string, ProductSummary>;

/** Candidates each leg contributes: the configured window, or deeper when the page asks for it. */
export function retrievalWindow({ request, settings }: SearchStart): number {
  return Math.max(settings.search.retrieval.window, request.page * request.size);
}

/**
 * An ordered list of stages, checked as it is declared: `add` refuses a stage whose input
 * names a field no earlier stage produces (the compiler says which).
 */
export class Stages<Start, S = Start> {
  constructor(private readonly list: readonly Stage<never, object>[] = []) {}

  add<In, Out extends object>(
    stage: Stage<In, Out> & ([S] extends [In] ? unknown : { missing: Exclude<keyof In, keyof S> }),
  ): Stages<Start, S & Out> {
    return new Stages([...this.list, stage as unknown as Stage<never, object>]);
  }

  /** Runs the stages in order, each timed under its name; `explain` merges their parts of a hit's explanation. */
  async run(
    start: Start,
    timer: StageTimer,
  ): Promise<{ state: S; explain?: (id: string) => HitExplanation }> {
    const state = { ...start } as Record<string, unknown>;
    const explainers: ((id: string) => HitExplanation | undefined)[] = [];
    for (const stage of this.list as readonly Stage<typeof state, object>[]) {
      Object.assign(state, stage.skip?.(state) ?? (await timer.time(stage.name, () => stage.run(state))));
      const { explain } = stage;
      if (explain) explainers.push((id) => explain(state, id));
    }
    return {
      state: state as S,
      ...(explainers.length > 0 && {
        explain: (id: string) => Object.assign({}, ...explainers.map((e) => e(id))),
      }),
    };
  }
}
