/**
 * Shadow scoring (ADR 0009): a model that passed its gate first scores live searches
 * without serving them. For each shadowed search it computes the order it would have
 * served (its own segments, window and bound, serving-order.ts) next to the order the
 * shopper got, and when the search's clicks arrive, what they say about it:
 * - how far its order departs from the served one: mean |shadow position - served position|
 *   and the overlap of the two top 10s;
 * - its expected effect on clicks, by inverse propensity: a click at served position k on a
 *   product the shadow order puts at position s counts p(s) / p(k), with the examination
 *   curve measured for the model (training.position_propensity); the sum over the sum of
 *   clicks estimates the clicks the shadow order would have got relative to the served one.
 * After `searches` shadowed searches with at least `min_clicks` clicks among them, the model
 * is promoted if it would lose at most `max_click_loss` of the clicks, else rejected. The
 * report is written beside the model (shadow.json) as it goes, so `models list` and a
 * restarted service see it, and `/metrics` shows it.
 */
import { type Logger, RepeatedErrorLog } from '../main/logger.ts';
import type { StoredEvent } from '../users/events.ts';
import type { FusedCandidate } from './candidate.ts';
import type { RankerRegistry, ShadowReport } from './model-registry.ts';
import type { SavedRanker } from './ranker-model.ts';
import { rerankWindow, segmentOf, servesSegment, servingOrder } from './serving-order.ts';

export interface ShadowSettings {
  min_clicks: number;
  max_click_loss: number;
}

/** Shadowed searches remembered for their clicks to arrive (oldest dropped first). */
const MAX_OPEN_SEARCHES = 20_000;
/** The report is written every this many searches (and at every decision). */
const SAVE_EVERY = 25;
const TOP = 10;

interface OpenSearch {
  /** Product id -> its position in the shadow order (1-based). */
  shadowPosition: Map<string, number>;
}

interface Tally {
  searches: number;
  clicks: number;
  displacement: number;
  overlap: number;
  /** Sum over clicks of p(shadow position) / p(served position). */
  weightedClicks: number;
}

export class ShadowScorer {
  private model: SavedRanker | undefined;
  private needed = 0;
  private startedAt = '';
  private tally: Tally = { searches: 0, clicks: 0, displacement: 0, overlap: 0, weightedClicks: 0 };
  private readonly open = new Map<string, OpenSearch>();
  private deciding = false;
  private readonly scoringErrors: RepeatedErrorLog;

  constructor(
    private readonly registry: RankerRegistry,
    private readonly settings: () => ShadowSettings,
    private readonly logger?: Logger,
    private readonly onChange?: (report: ShadowReport | undefined) => void,
  ) {
    this.scoringErrors = new RepeatedErrorLog(logger);
  }

  get version(): string | undefined {
    return this.model?.version;
  }

  /** Follows the registry: the model in shadow, resuming its counts when the service restarts. */
  load(): void {
    const assignment = this.registry.state().shadow;
    if (!assignment) {
      this.reset(undefined);
      return;
    }
    if (assignment.version === this.model?.version) return;
    try {
      this.reset(this.registry.load(assignment.version));
    } catch (error) {
      this.logger?.error(
        { model: assignment.version, reason: (error as Error).message },
        `the model in shadow cannot be loaded: ${(error as Error).message}`,
      );
      this.reset(undefined);
      return;
    }
    this.needed = assignment.searches;
    this.startedAt = assignment.started_at;
    const saved = this.registry.shadowReport(assignment.version);
    if (saved?.status === 'scoring') {
      this.tally = {
        searches: saved.searches,
        clicks: saved.clicks,
        displacement: saved.mean_displacement * saved.searches,
        overlap: saved.overlap_at_10 * saved.searches,
        weightedClicks: saved.click_ratio * saved.clicks,
      };
    }
    this.logger?.info({ model: assignment.version, searches: this.needed }, 'ranking model in shadow');
    this.onChange?.(this.report());
  }

  /**
   * One served search: `served` is the order the shopper got (first `shown` of them on the
   * page), `fused` the fused candidates whose first `count` have feature rows in `features`.
   */
  observe(
    queryId: string,
    fused: readonly FusedCandidate[],
    features: Float32Array,
    count: number,
    served: readonly FusedCandidate[],
    shown: number,
  ): void {
    const model = this.model;
    if (!model || shown === 0) return;
    let order: number[];
    try {
      const window = servesSegment(model.metadata, segmentOf(features))
        ? rerankWindow(model.metadata.training.max_position, count)
        : 0;
      order = servingOrder(model, features, count, window).order;
    } catch (error) {
      this.scoringErrors.error(
        `${model.version}:${(error as Error).message}`,
        { err: error, model: model.version },
        'the model in shadow failed to score',
      );
      return;
    }
    const shadowPosition = new Map<string, number>();
    for (const [p, i] of order.entries()) shadowPosition.set(fused[i]!.id, p + 1);
    for (let i = count; i < fused.length; i++) shadowPosition.set(fused[i]!.id, i + 1);
    const top = served.slice(0, Math.min(TOP, shown));
    let displacement = 0;
    let overlap = 0;
    top.forEach((candidate, p) => {
      const s = shadowPosition.get(candidate.id) ?? fused.length + 1;
      displacement += Math.abs(s - (p + 1));
      if (s <= top.length) overlap++;
    });
    this.tally.searches++;
    this.tally.displacement += displacement / top.length;
    this.tally.overlap += overlap / top.length;
    this.open.set(queryId, { shadowPosition });
    if (this.open.size > MAX_OPEN_SEARCHES) this.open.delete(this.open.keys().next().value!);
    this.afterChange();
  }

  /** Clicks on shadowed searches (the events as stored: their positions are the served ones). */
  observeEvents(events: readonly StoredEvent[]): void {
    const model = this.model;
    if (!model) return;
    let counted = 0;
    for (const event of events) {
      if (event.type !== 'click' || !event.queryId || event.position === undefined) continue;
      const search = this.open.get(event.queryId);
      const shadow = search?.shadowPosition.get(event.productId);
      if (shadow === undefined) continue;
      this.tally.clicks++;
      this.tally.weightedClicks += this.examination(shadow) / this.examination(event.position);
      counted++;
    }
    if (counted > 0) this.afterChange();
  }

  /** The report so far (undefined when no model is in shadow). */
  report(): ShadowReport | undefined {
    const model = this.model;
    if (!model) return undefined;
    const { searches, clicks } = this.tally;
    return {
      version: model.version,
      status: 'scoring',
      started_at: this.startedAt,
      updated_at: new Date().toISOString(),
      searches_needed: this.needed,
      searches,
      clicks,
      clicks_needed: this.settings().min_clicks,
      mean_displacement: searches > 0 ? this.tally.displacement / searches : 0,
      overlap_at_10: searches > 0 ? this.tally.overlap / searches : 0,
      click_ratio: clicks > 0 ? this.tally.weightedClicks / clicks : 0,
    };
  }

  private examination(position: number): number {
    const curve = this.model?.metadata.training.position_propensity;
    if (curve && curve.length > 0) return curve[Math.min(position, curve.length) - 1]!;
    return 1 / position;
  }

  private afterChange(): void {
    const report = this.report()!;
    const { min_clicks, max_click_loss } = this.settings();
    if (report.searches >= this.needed && report.clicks >= min_clicks) {
      this.decide(report, max_click_loss);
      return;
    }
    if (report.searches % SAVE_EVERY === 0) this.save(report);
    this.onChange?.(report);
  }

  private decide(report: ShadowReport, maxLoss: number): void {
    if (this.deciding) return;
    this.deciding = true;
    const promote = report.click_ratio + 1e-9 >= 1 - maxLoss;
    const numbers =
      `${report.searches} searches, ${report.clicks} clicks: expected clicks ${(100 * report.click_ratio).toFixed(1)}% ` +
      `of the served order's, mean displacement ${report.mean_displacement.toFixed(2)}, ` +
      `overlap@10 ${report.overlap_at_10.toFixed(2)}`;
    const final: ShadowReport = {
      ...report,
      status: promote ? 'promoted' : 'rejected',
      decision: promote
        ? `promoted after shadow scoring (${numbers})`
        : `rejected in shadow: it would lose more than ${(100 * maxLoss).toFixed(1)}% of the clicks (${numbers})`,
    };
    try {
      this.registry.finishShadow(final);
      this.logger?.info({ model: report.version, decision: final.decision }, 'shadow phase decided');
    } catch (error) {
      this.logger?.error({ err: error, model: report.version }, 'the shadow decision could not be recorded');
    } finally {
      this.deciding = false;
    }
    this.onChange?.(final);
    this.reset(undefined);
  }

  private save(report: ShadowReport): void {
    try {
      this.registry.saveShadowReport(report);
    } catch (error) {
      this.logger?.warn({ err: error, model: report.version }, 'the shadow report could not be written');
    }
  }

  private reset(model: SavedRanker | undefined): void {
    this.model = model;
    this.tally = { searches: 0, clicks: 0, displacement: 0, overlap: 0, weightedClicks: 0 };
    this.open.clear();
    if (!model) this.onChange?.(undefined);
  }
}
