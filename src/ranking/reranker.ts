/**
 * The rerank stage: the active model scores the top K fused candidates and they are
 * reordered by it; the rest keep their fused order below them. The model is reloaded
 * when the registry's active version changes, and so is the model in shadow, if any
 * (shadow.ts), which scores the same searches without serving them. When there is no
 * model, or it cannot load (missing, truncated or checksum-failing files) or score, the
 * fused order stands and the outcome says why (`model_unavailable`, `scoring_failed`):
 * search never fails on it, and the same failure is logged at most once a minute.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type Logger, RepeatedErrorLog } from '../main/logger.ts';
import type { FusedCandidate } from './candidate.ts';
import type { RankerRegistry } from './model-registry.ts';
import type { SavedRanker } from './ranker-model.ts';
import { rerankWindow, segmentOf, servesSegment, servingOrder } from './serving-order.ts';
import type { ShadowScorer } from './shadow.ts';

export type RerankFallback =
  | 'no_model'
  | 'model_unavailable'
  | 'scoring_failed'
  | 'disabled'
  /** The model is not for shoppers without history (its gate found fusion better for them). */
  | 'no_history'
  /** The model is not for shoppers with history (its gate found fusion better for them). */
  | 'has_history';

export interface RerankOutcome {
  candidates: FusedCandidate[];
  reranked: boolean;
  /** How many top candidates the model reordered (or would have: the fused order was kept). */
  window: number;
  model?: string;
  fallback?: RerankFallback;
  /** Model score of each reranked candidate. */
  scores: Map<string, number>;
}

export class Reranker {
  private model: SavedRanker | undefined;
  private loadFailed = false;
  private watcher: fs.FSWatcher | undefined;
  private polled: string | undefined;
  private readonly scoringErrors: RepeatedErrorLog;

  constructor(
    private readonly registry: RankerRegistry,
    private readonly logger?: Logger,
    private readonly hooks: {
      onFallback?: (reason: RerankFallback) => void;
      onModel?: (model: SavedRanker | undefined) => void;
    } = {},
    /** Scores the model in shadow on the same searches; reloaded with the serving model. */
    readonly shadow?: ShadowScorer,
    /** How often the pointer is polled besides the watch (which dies with a replaced directory). */
    private readonly pollMs = 5000,
  ) {
    this.scoringErrors = new RepeatedErrorLog(logger);
  }

  get active(): SavedRanker | undefined {
    return this.model;
  }

  /** Loads the registry's active model; a broken one is logged and search keeps the fused order. */
  load(): void {
    try {
      const next = this.registry.activeModel();
      if (next?.version !== this.model?.version) {
        this.logger?.info({ model: next?.version ?? null }, 'ranking model loaded');
      }
      this.model = next;
      this.loadFailed = false;
    } catch (error) {
      this.model = undefined;
      this.loadFailed = true;
      const reason = error instanceof Error ? error.message : String(error);
      this.logger?.error(
        { model: this.registry.state().active ?? null, reason },
        `ranking model cannot be loaded: ${reason}; serving the fused order`,
      );
    }
    this.hooks.onModel?.(this.model);
    this.shadow?.load();
  }

  /**
   * Follows promotions and rollbacks made by any process (CLI, job). A directory watch
   * follows the directory it was opened on: when the ranker directory is replaced (a copy
   * from elsewhere, a volume remount) it goes quiet, so the pointer's file identity is
   * polled too, and a change of it reloads (and re-arms the watch).
   */
  watch(): void {
    if (this.watcher) return;
    this.arm();
    this.polled = this.pointerIdentity();
    fs.watchFile(this.pointer, { interval: this.pollMs, persistent: false }, () => {
      const identity = this.pointerIdentity();
      if (identity === this.polled) return;
      this.polled = identity;
      this.arm();
      this.load();
    });
  }

  private get pointer(): string {
    return path.join(this.registry.dir, 'active.json');
  }

  /** Inode, size and mtime of active.json ('' when it is not there). */
  private pointerIdentity(): string {
    try {
      const stat = fs.statSync(this.pointer);
      return `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeMs}`;
    } catch {
      return '';
    }
  }

  private arm(): void {
    this.watcher?.close();
    fs.mkdirSync(this.registry.dir, { recursive: true });
    this.watcher = fs.watch(this.registry.dir, (_event, file) => {
      if (file !== 'active.json') return;
      this.polled = this.pointerIdentity();
      this.load();
    });
    this.watcher.on('error', () => undefined);
    this.watcher.unref();
  }

  close(): void {
    this.watcher?.close();
    this.watcher = undefined;
    fs.unwatchFile(this.pointer);
  }

  /** Reorders the first `count` candidates (whose features are rows of `features`). */
  rerank(candidates: readonly FusedCandidate[], features: Float32Array, count: number): RerankOutcome {
    return this.rerankWith(this.model, candidates, features, count);
  }

  /** The same with another model (an experiment's arm); `undefined` keeps the fused order. */
  rerankWith(
    model: SavedRanker | undefined,
    candidates: readonly FusedCandidate[],
    features: Float32Array,
    count: number,
  ): RerankOutcome {
    const keep = (fallback: RerankFallback): RerankOutcome => {
      this.hooks.onFallback?.(fallback);
      return { candidates: [...candidates], reranked: false, window: count, fallback, scores: new Map() };
    };
    if (!model) return keep(this.loadFailed && model === this.model ? 'model_unavailable' : 'no_model');
    const segment = segmentOf(features);
    if (!servesSegment(model.metadata, segment))
      return keep(segment === 'with_history' ? 'has_history' : 'no_history');
    // A model learned from logged result lists has seen candidates only as deep as those
    // lists went (the page shown): it reorders no deeper than that.
    const window = rerankWindow(model.metadata.training.max_position, count);
    let served: { order: number[]; scores: Float32Array };
    try {
      served = servingOrder(model, features, Math.min(count, candidates.length), window);
    } catch (error) {
      this.scoringErrors.error(
        `${model.version}:${(error as Error).message}`,
        { err: error, model: model.version },
        'ranking model failed to score; serving the fused order',
      );
      return keep('scoring_failed');
    }
    const top = served.order.slice(0, window);
    return {
      candidates: [...top.map((i) => candidates[i]!), ...candidates.slice(window)],
      reranked: true,
      window,
      model: model.version,
      scores: new Map(top.map((i) => [candidates[i]!.id, served.scores[i]!])),
    };
  }
}
