/**
 * The maintenance jobs and what each does:
 * - reindex: rebuild the index from the stored catalog, or from the configured catalog
 *   feed, into a new generation and switch atomically (only changed texts are embedded);
 *   when the serving encoder learned another catalog (the demo) or much of this one is new
 *   since, first train a new encoder on the stored catalog and build the generation with it;
 * - suggestions: regenerate autocomplete suggestions from the query log and the catalog;
 * - recommendations: rebuild the co-engagement, bought-together and trending lists from the
 *   recent events (recommend/engagement-tables.ts);
 * - retrain: train a ranker on the recent logged searches; it shadows live searches, then
 *   serves, only for the shopper segments its gate found it safe for (ADR 0009);
 * - retention: delete events and logged searches older than their windows.
 */
import type { CatalogService } from '../catalog/catalog-service.ts';
import { readRecordBatches } from '../catalog/record-files.ts';
import type { SearchBackend } from '../catalog/search-backend.ts';
import type { EmbedderSlot } from '../embeddings/embedder.ts';
import { shopJudgments } from '../eval/judgments.ts';
import { experimentReport } from '../experiments/experiment-report.ts';
import type { ExperimentsSettings } from '../experiments/experiment-settings.ts';
import type { Config } from '../main/config.ts';
import type { RankerRegistry } from '../ranking/model-registry.ts';
import type { Reranker } from '../ranking/reranker.ts';
import { type GateOptions, trainRankerFrom } from '../ranking/training/ranker-training.ts';
import type { JudgedCandidates } from '../ranking/training/training-lists.ts';
import { buildEngagementTables, buildPopularLists } from '../recommend/engagement-tables.ts';
import { buildSimilarLists } from '../recommend/similar-lists.ts';
import type { SearchSettings } from '../retrieval/search-settings.ts';
import type { SuggestionService } from '../suggest/suggestion-service.ts';
import type { EventStore } from '../users/event-store.ts';
import { type AdaptationDeps, adaptEncoder } from './encoder-adaptation.ts';
import type { JobHandler } from './job-runner.ts';
import type { JobName } from './job-store.ts';
import type { JobsSettings } from './jobs-settings.ts';

export interface MaintenanceDependencies {
  config: Config;
  settings: () => JobsSettings;
  catalog: CatalogService;
  eventStore: EventStore;
  suggestions: SuggestionService;
  rankers: RankerRegistry;
  reranker: Reranker;
  /** What encoder adaptation needs besides the catalog and the configuration. */
  adaptation: Omit<AdaptationDeps, 'config' | 'catalog' | 'logger'>;
  /** Told the adaptation's progress (0..1) and outcome, for /metrics. */
  onAdaptation?: (event: { progress?: number; outcome?: 'adapted' | 'failed' }) => void;
  /** `ranking.shadow` of search.yaml: how long a new model shadows before it serves. */
  searchSettings: () => SearchSettings;
  /** Judged queries run through retrieval as serving does (the gate's judgment check). */
  candidates: JudgedCandidates;
  /** The catalog the recommendation lists look categories up in, and who to tell they changed. */
  recommendations: { backend: SearchBackend; embedder: EmbedderSlot; onRebuilt?: () => void };
  /** experiments.yaml: with `retrain.promotion: experiment`, a won experiment promotes its treatment. */
  experiments: () => ExperimentsSettings;
}

/** The treatment model version of the latest ended experiment it won (significant at alpha), if any. */
async function experimentWinner(
  deps: MaintenanceDependencies,
): Promise<{ version: string; experiment: string; pValue: number } | undefined> {
  const { alpha, experiments } = deps.experiments();
  const now = Date.now();
  const saved = new Set(deps.rankers.list().map((m) => m.version));
  const ended = experiments
    .filter((e) => Date.parse(e.end) <= now && saved.has(e.treatment))
    .sort((a, b) => Date.parse(b.end) - Date.parse(a.end));
  for (const experiment of ended) {
    const report = await experimentReport(deps.eventStore, experiment, alpha, now);
    if (report.winner === 'treatment')
      return { version: experiment.treatment, experiment: experiment.id, pValue: report.p_value };
  }
  return undefined;
}

/**
 * What the gate of an event-trained model is given, from `jobs.yaml` (retrain), `search.yaml`
 * (shadow phase) and the shop's judgment lists in the mappings folder: the same for the
 * nightly job and `cli train`.
 */
export function retrainGateOptions(
  retrain: JobsSettings['jobs']['retrain'],
  search: SearchSettings,
  mappingsDir: string,
  candidates: JudgedCandidates,
): Pick<GateOptions, 'gate' | 'judged' | 'shadowSearches'> & {
  training: NonNullable<GateOptions['training']>;
} {
  const judged = shopJudgments(mappingsDir);
  const { gate } = retrain;
  return {
    training: { bound: retrain.correction_bound },
    gate: {
      judgmentTolerance: gate.judgment_tolerance,
      confidence: gate.confidence,
      minFusedAgreement: gate.min_fused_agreement,
      minLists: gate.min_lists,
      maxJudgedQueries: gate.max_judged_queries,
    },
    ...(judged && { judged: { ...judged, candidates } }),
    shadowSearches: search.ranking.shadow.searches,
  };
}

export function maintenanceJobs(deps: MaintenanceDependencies): Record<JobName, JobHandler> {
  return {
    reindex: async ({ signal, logger, progress }) => {
      const { feed, adapt_encoder } = deps.settings().jobs.reindex;
      if (!feed) {
        const adaptation = await adaptEncoder(
          { ...deps.adaptation, config: deps.config, catalog: deps.catalog, logger },
          adapt_encoder,
          {
            signal,
            onProgress: (p) => {
              progress(p.epoch ? `${p.stage} (epoch ${p.epoch})` : p.stage, p.done, p.total);
              if (p.stage === 'train' && p.epoch)
                deps.onAdaptation?.({
                  progress: (p.epoch - 1 + p.done / Math.max(1, p.total)) / adapt_encoder.epochs,
                });
            },
          },
        ).catch((error: unknown) => {
          deps.onAdaptation?.({ outcome: 'failed' });
          throw error;
        });
        if (adaptation.reindex) {
          deps.onAdaptation?.({ progress: 1, outcome: 'adapted' });
          const { reindex, encoder } = adaptation;
          return {
            counts: { documents: reindex.documents, rejected: reindex.rejected, replayed: reindex.replayed },
            summary: `encoder ${encoder!.version} trained (${adaptation.reason}); catalog -> ${reindex.generation} (${reindex.embedder})`,
          };
        }
      }
      const report = await deps.catalog.reindex({
        signal,
        ...(feed && {
          feed: readRecordBatches(feed.path, { rename: new Map(Object.entries(feed.rename ?? {})) }),
        }),
      });
      return {
        counts: { documents: report.documents, rejected: report.rejected, replayed: report.replayed },
        summary: `${report.source} -> ${report.generation} (${report.embedder})`,
      };
    },
    suggestions: async ({ signal }) => {
      const { days, min_shoppers } = deps.settings().jobs.suggestions;
      const counts = await deps.suggestions.regenerate({ days, minShoppers: min_shoppers, signal });
      return { counts: { ...counts } };
    },
    recommendations: async ({ signal, progress }) => {
      const settings = deps.settings().jobs.recommendations;
      const now = Date.now();
      progress('read events', 0, 1);
      const tables = await buildEngagementTables(
        deps.eventStore.actionEvents(now - settings.days * 86_400_000),
        (ids) => deps.recommendations.backend.getSummaries(ids),
        {
          now,
          halfLifeDays: settings.half_life_days,
          trendingHalfLifeDays: settings.trending_half_life_days,
          minSupport: settings.min_support,
          perShopperLimit: settings.per_shopper_limit,
          listSize: settings.list_size,
        },
        signal,
      );
      progress('write lists', 0, 5);
      const store = deps.eventStore;
      const counts = {
        ...tables.counts,
        co_click: await store.replaceEngagementLists('co_click', tables.coClick),
        bought_together: await store.replaceEngagementLists('bought_together', tables.boughtTogether),
        category_bought_together: await store.replaceEngagementLists(
          'category_bought_together',
          tables.categoryBoughtTogether,
        ),
        trending: await store.replaceEngagementLists('trending', tables.trending),
        popular: await store.replaceEngagementLists(
          'popular',
          await buildPopularLists(
            deps.recommendations.backend.scanProducts(5000),
            settings.list_size,
            signal,
          ),
        ),
      };
      progress('similar products', 4, 5);
      const similar =
        settings.similar_neighbours > 0
          ? await buildSimilarLists(
              deps.recommendations,
              {
                neighbours: settings.similar_neighbours,
                budgetMs: settings.similar_budget_seconds * 1000,
                first: tables.engaged,
              },
              signal,
            )
          : { lists: [], skipped: 0, complete: true };
      const similarCounts = {
        similar: await store.replaceEngagementLists('similar', similar.lists),
        similar_skipped: similar.skipped,
      };
      deps.recommendations.onRebuilt?.();
      return {
        counts: { ...counts, ...similarCounts },
        summary: `${counts.co_click} co-click, ${counts.bought_together} bought-together and ${counts.trending} trending lists from ${counts.events} events; neighbours of ${similarCounts.similar} products${similar.complete ? '' : ` (${similar.skipped} left to per-request kNN: time budget)`}`,
      };
    },
    retrain: async ({ signal, logger }) => {
      const retrain = deps.settings().jobs.retrain;
      const { since_days, min_lists, epochs, learning_rate } = retrain;
      const byExperiment = retrain.promotion === 'experiment';
      if (byExperiment) {
        const won = await experimentWinner(deps);
        if (won && deps.rankers.state().active !== won.version) {
          deps.rankers.promote(won.version);
          deps.reranker.load();
          return {
            counts: { promoted: 1 },
            summary: `${won.version}: promoted, it won experiment ${won.experiment} (p = ${won.pValue.toPrecision(3)})`,
          };
        }
      }
      const guard = retrainGateOptions(
        retrain,
        deps.searchSettings(),
        deps.config.mappingsDir,
        deps.candidates,
      );
      const report = await trainRankerFrom(
        { events: deps.eventStore, since: Date.now() - since_days * 86_400_000 },
        {
          registry: deps.rankers,
          // Promoted by a won experiment instead: saved here, to be named as an experiment's treatment.
          promote: byExperiment ? 'never' : 'auto',
          logger,
          tfjsBackend: deps.config.tfjsBackend,
          ...guard,
          training: { ...guard.training, signal, epochs, learningRate: learning_rate },
          minLabelled: min_lists,
        },
      );
      const { outcome } = report;
      const counts = { impressions: report.impressions ?? 0, labelled_lists: report.labelled };
      if (!outcome) return { counts: { ...counts, promoted: 0 }, summary: report.notTrained! };
      deps.reranker.load();
      return {
        counts: {
          ...counts,
          train_lists: report.train,
          heldout_lists: report.heldOut,
          promoted: outcome.promoted ? 1 : 0,
          shadow: outcome.status === 'shadow' ? 1 : 0,
        },
        summary: `${outcome.metadata.version}: ${outcome.decision}`,
      };
    },
    retention: async ({ signal }) => {
      const { events_days, impressions_days } = deps.settings().jobs.retention;
      const now = Date.now();
      const deleted = await deps.eventStore.deleteBefore(
        { events: now - events_days * 86_400_000, impressions: now - impressions_days * 86_400_000 },
        signal,
      );
      return {
        counts: { events_deleted: deleted.events, impressions_deleted: deleted.impressions },
        summary: `kept ${events_days} days of events, ${impressions_days} days of logged searches`,
      };
    },
  };
}
