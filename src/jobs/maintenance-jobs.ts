/**
 * The three maintenance jobs and what each does:
 * - reindex: rebuild the index from the stored catalog, or from the configured catalog
 *   feed, into a new generation and switch atomically (only changed texts are embedded);
 * - suggestions: regenerate autocomplete suggestions from the query log and the catalog;
 * - retrain: train a ranker on the recent logged searches and promote it only if better;
 * - retention: delete events and logged searches older than their windows.
 */
import type { CatalogService } from '../catalog/catalog-service.ts';
import { readRecordBatches } from '../catalog/record-files.ts';
import type { Config } from '../main/config.ts';
import type { RankerRegistry } from '../ranking/model-registry.ts';
import type { Reranker } from '../ranking/reranker.ts';
import { trainRankerFrom } from '../ranking/training/ranker-training.ts';
import type { SuggestionService } from '../suggest/suggestion-service.ts';
import type { EventStore } from '../users/event-store.ts';
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
}

export function maintenanceJobs(deps: MaintenanceDependencies): Record<JobName, JobHandler> {
  return {
    reindex: async ({ signal }) => {
      const { feed } = deps.settings().jobs.reindex;
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
    retrain: async ({ signal, logger }) => {
      const { since_days, min_lists, epochs, learning_rate } = deps.settings().jobs.retrain;
      const report = await trainRankerFrom(
        { events: deps.eventStore, since: Date.now() - since_days * 86_400_000 },
        {
          registry: deps.rankers,
          promote: 'auto',
          logger,
          tfjsBackend: deps.config.tfjsBackend,
          training: { signal, epochs, learningRate: learning_rate },
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
