/**
 * The merchandising preview: a proposed set of files (rules, synonyms, stopwords, boosts,
 * attributes) tried on a set of queries before it goes live. The proposed files are parsed
 * exactly as the loader parses them (the same errors, with file, line and column) into a
 * second settings snapshot, and the same search pipeline runs every query with the serving
 * snapshot and with the proposed one, logging nothing and counting nothing, so what serves
 * never changes. Per query: both top lists side by side, what moved, the change in NDCG@10
 * where judgments are given, and a click-based estimate from the logged searches (clicked
 * products moving up or down, and NDCG@10 with the logged clicks, carts and purchases as
 * gains).
 */
import type { SearchBackend } from '../catalog/search-backend.ts';
import type { Judgments } from '../eval/judgments.ts';
import { meanDefined, ndcgAt } from '../eval/ranking-metrics.ts';
import { isServiceError } from '../main/errors.ts';
import { type MerchandisingReport, merchandisingReport } from '../merchandising/report.ts';
import { type FileText, type MerchandisingFile, parseMerchandising } from '../merchandising/settings.ts';
import { textWords } from '../merchandising/synonyms.ts';
import { type EventStore, impressionsWithActions } from '../users/event-store.ts';
import { EVENT_GAIN } from '../users/events.ts';
import type { SearchPipeline } from './search-pipeline.ts';
import type { SearchRequest } from './search-request.ts';
import { StageTimer } from './stage-timer.ts';
import type { SearchSnapshot } from './stages/stage.ts';

export const MAX_PREVIEW_QUERIES = 200;
/** Distinct logged queries a preview keeps counts for; a larger log is counted for these only. */
const MAX_TRACKED_QUERIES = 50_000;
const DAY_MS = 86_400_000;

export interface PreviewInput {
  /** The proposed files (their texts, and the names errors are reported under); a file not given keeps its serving version. */
  files: Partial<Record<MerchandisingFile, FileText>>;
  /** The queries to compare; absent: the most frequent logged queries. */
  queries?: string[];
  /** How many of the most frequent logged queries (default 50). */
  topQueries?: number;
  /** Days of logged searches for the frequent queries and the clicks (default 30). */
  days?: number;
  judgments?: Judgments;
  /** Hits compared per query (default 10). */
  size?: number;
  /** Epoch ms the campaign windows are evaluated at (default now): a campaign can be previewed before it starts. */
  at?: number;
}

export interface MovedHit {
  id: string;
  /** 1-based positions; null: not in that top list. */
  from: number | null;
  to: number | null;
}

export interface QueryPreview {
  q: string;
  current: { id: string; title: string }[];
  proposed: { id: string; title: string }[];
  changed: boolean;
  moved: MovedHit[];
  /** Rules of the proposed files that fired on this query. */
  proposed_rules: string[];
  ndcg10?: { current: number; proposed: number; change: number };
  clicks?: {
    searches: number;
    /** The logged clicked (carted, bought) products and where they would be. */
    clicked: (MovedHit & { gain: number })[];
    moved_up: number;
    moved_down: number;
    ndcg10: { current: number; proposed: number; change: number };
  };
}

export interface PreviewReport {
  validation: MerchandisingReport;
  queries: QueryPreview[];
  summary: {
    queries: number;
    changed: number;
    source: 'given' | 'logged';
    judged: number;
    ndcg10?: { current: number; proposed: number; change: number };
    with_clicks: number;
    click_ndcg10?: { current: number; proposed: number; change: number };
    clicked_moved_up: number;
    clicked_moved_down: number;
  };
}

interface LoggedQuery {
  searches: number;
  /** Product id -> summed gain of the clicks, carts and purchases on it. */
  gains: Map<string, number>;
}

/** Queries compare by their normalized words, as rule conditions do. */
function queryKey(q: string): string {
  return textWords(q).join(' ');
}

function change(current: number, proposed: number) {
  return { current, proposed, change: proposed - current };
}

function moves(current: readonly string[], proposed: readonly string[], ids: Iterable<string>): MovedHit[] {
  const position = (list: readonly string[], id: string) => {
    const i = list.indexOf(id);
    return i < 0 ? null : i + 1;
  };
  return [...ids].map((id) => ({ id, from: position(current, id), to: position(proposed, id) }));
}

/** Up: a better position, or into the list; down: a worse one, or out of it. */
function direction(hit: MovedHit): 'up' | 'down' | 'same' {
  if (hit.from === hit.to) return 'same';
  if (hit.from === null) return 'up';
  if (hit.to === null) return 'down';
  return hit.to < hit.from ? 'up' : 'down';
}

export class MerchandisingPreview {
  constructor(
    private readonly deps: {
      search: SearchPipeline;
      backend: SearchBackend;
      events: EventStore;
      /** The serving snapshot and the texts of its merchandising files. */
      current: () => { snapshot: SearchSnapshot; files: Partial<Record<MerchandisingFile, FileText>> };
    },
  ) {}

  /**
   * The proposed snapshot: the serving files with the proposed ones in their place, parsed as
   * the loader parses them. Invalid files throw the loader's ConfigFileError.
   */
  proposedSnapshot(files: PreviewInput['files']): {
    snapshot: SearchSnapshot;
    files: Partial<Record<MerchandisingFile, FileText>>;
  } {
    const current = this.deps.current();
    const merged = { ...current.files, ...files };
    return { snapshot: { ...current.snapshot, ...parseMerchandising(merged) }, files: merged };
  }

  /** Validates the proposed files as the loader does, with the warnings a load would log. */
  async validate(files: PreviewInput['files']): Promise<MerchandisingReport> {
    const proposed = this.proposedSnapshot(files);
    return merchandisingReport(proposed.snapshot, proposed.files.rules, this.deps.backend);
  }

  async preview(input: PreviewInput): Promise<PreviewReport> {
    const proposed = this.proposedSnapshot(input.files);
    const validation = await merchandisingReport(proposed.snapshot, proposed.files.rules, this.deps.backend);
    const current = this.deps.current().snapshot;
    const size = input.size ?? 10;
    const at = input.at ?? Date.now();
    const logged = await this.loggedQueries(input.days ?? 30, at);
    const source = input.queries ? 'given' : 'logged';
    const queries = (
      input.queries ??
      [...logged.entries()]
        .sort(([a, x], [b, y]) => y.searches - x.searches || a.localeCompare(b))
        .slice(0, input.topQueries ?? 50)
        .map(([key]) => key)
    ).slice(0, MAX_PREVIEW_QUERIES);
    const judged = new Map([...(input.judgments ?? new Map())].map(([q, rel]) => [queryKey(q), rel]));
    const results: QueryPreview[] = [];
    for (const q of queries) {
      const request: SearchRequest = {
        q,
        filters: {},
        facets: [],
        page: 1,
        size,
        sort: 'relevance',
        explain: false,
      };
      const options = { now: at, record: false };
      const before = await this.deps.search.search(request, new StageTimer(), {
        ...options,
        settings: current,
      });
      const after = await this.deps.search.search(request, new StageTimer(), {
        ...options,
        settings: proposed.snapshot,
      });
      const currentIds = before.hits.map((h) => h.id);
      const proposedIds = after.hits.map((h) => h.id);
      const moved = moves(currentIds, proposedIds, new Set([...currentIds, ...proposedIds])).filter(
        (m) => m.from !== m.to,
      );
      const preview: QueryPreview = {
        q,
        current: before.hits.map((h) => ({ id: h.id, title: h.product.title })),
        proposed: after.hits.map((h) => ({ id: h.id, title: h.product.title })),
        changed: moved.length > 0,
        moved,
        proposed_rules: after.merchandising?.rules.map((r) => r.id) ?? [],
      };
      const relevance = judged.get(queryKey(q));
      if (relevance) {
        const a = ndcgAt(currentIds, relevance, 10);
        const b = ndcgAt(proposedIds, relevance, 10);
        if (a !== undefined && b !== undefined) preview.ndcg10 = change(a, b);
      }
      const log = logged.get(queryKey(q));
      if (log && log.gains.size > 0) {
        const clicked = moves(currentIds, proposedIds, log.gains.keys()).map((m) => ({
          ...m,
          gain: log.gains.get(m.id)!,
        }));
        // Gains as graded relevance (ndcgAt takes relevance = gain + 1).
        const relevanceOfClicks = new Map([...log.gains].map(([id, gain]) => [id, gain + 1]));
        preview.clicks = {
          searches: log.searches,
          clicked: clicked.filter((c) => c.from !== null || c.to !== null),
          moved_up: clicked.filter((c) => direction(c) === 'up').length,
          moved_down: clicked.filter((c) => direction(c) === 'down').length,
          ndcg10: change(
            ndcgAt(currentIds, relevanceOfClicks, 10) ?? 0,
            ndcgAt(proposedIds, relevanceOfClicks, 10) ?? 0,
          ),
        };
      }
      results.push(preview);
    }
    const ndcg = results.flatMap((r) => (r.ndcg10 ? [r.ndcg10] : []));
    const clicks = results.flatMap((r) => (r.clicks ? [r.clicks] : []));
    const mean = (values: number[]) => meanDefined(values).mean;
    return {
      validation,
      queries: results,
      summary: {
        queries: results.length,
        changed: results.filter((r) => r.changed).length,
        source,
        judged: ndcg.length,
        ...(ndcg.length > 0 && {
          ndcg10: change(mean(ndcg.map((n) => n.current)), mean(ndcg.map((n) => n.proposed))),
        }),
        with_clicks: clicks.length,
        ...(clicks.length > 0 && {
          click_ndcg10: change(
            mean(clicks.map((c) => c.ndcg10.current)),
            mean(clicks.map((c) => c.ndcg10.proposed)),
          ),
        }),
        clicked_moved_up: clicks.reduce((n, c) => n + c.moved_up, 0),
        clicked_moved_down: clicks.reduce((n, c) => n + c.moved_down, 0),
      },
    };
  }

  /** Logged searches of the last `days` by normalized query: how often, and what shoppers acted on. */
  private async loggedQueries(days: number, at: number): Promise<Map<string, LoggedQuery>> {
    const logged = new Map<string, LoggedQuery>();
    try {
      await this.deps.events.flush(); // the searches of the last moments count too
      for await (const page of impressionsWithActions(this.deps.events, at - days * DAY_MS)) {
        for (const { impression, actions } of page) {
          const key = queryKey(impression.query);
          if (!key) continue;
          let entry = logged.get(key);
          if (!entry) {
            if (logged.size >= MAX_TRACKED_QUERIES) continue;
            entry = { searches: 0, gains: new Map() };
            logged.set(key, entry);
          }
          entry.searches++;
          for (const [productId, types] of actions) {
            const gain = types.reduce((sum, type) => sum + EVENT_GAIN[type], 0);
            if (gain > 0) entry.gains.set(productId, (entry.gains.get(productId) ?? 0) + gain);
          }
        }
      }
    } catch (error) {
      // Without a readable log the preview still compares the given queries.
      if (!isServiceError(error, 'backend_unavailable')) throw error;
    }
    return logged;
  }
}
