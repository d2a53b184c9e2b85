/**
 * Versioned ranker models in `<models>/ranker/<version>/` (metadata.json, weights.json, and
 * shadow.json once it has scored live searches in shadow), and `<models>/ranker/active.json`
 * naming the serving version with the versions served before it, so `rollback` can go
 * back, and the version in shadow, if any. Pointer writes are atomic (write + rename), and
 * a running service notices them and swaps models without a restart. The metadata, written
 * last, records weights.json's size and SHA-256, checked at every load.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ServiceError } from '../main/errors.ts';
import { checksumOf, readCheckedFile, readMetadataFile, writeFileAtomically } from '../ml/model-files.ts';
import { type DenseLayer, type RankerMetadata, SavedRanker } from './ranker-model.ts';

interface StoredLayer {
  inputs: number;
  outputs: number;
  activation: DenseLayer['activation'];
  weights: number[];
  bias: number[];
}

export interface RegistryState {
  active?: string;
  /** Previously active versions, most recent last. */
  history: string[];
  /** A model that passed its gate and scores live searches in shadow before it may serve. */
  shadow?: ShadowAssignment;
}

export interface ShadowAssignment {
  version: string;
  /** Searches it shadows before its report decides. */
  searches: number;
  started_at: string;
}

/** What shadow scoring found (written as `<version>/shadow.json`, updated as it goes). */
export interface ShadowReport {
  version: string;
  status: 'scoring' | 'promoted' | 'rejected' | 'superseded';
  started_at: string;
  updated_at: string;
  /** Searches needed before it decides, and seen so far. */
  searches_needed: number;
  searches: number;
  /** Clicks on shadowed searches (what the click estimate rests on), and how many it needs. */
  clicks: number;
  clicks_needed: number;
  /** Mean |shadow position - served position| over each search's served top 10. */
  mean_displacement: number;
  /** Mean share of the served top 10 that the shadow order also has in its top 10. */
  overlap_at_10: number;
  /**
   * Inverse-propensity estimate of the clicks the shadow order would have got on the same
   * searches, over the clicks the served order got: each click at served position k counts
   * p(shadow position) / p(k).
   */
  click_ratio: number;
  decision?: string;
}

const numbers = z.array(z.number());
/**
 * The metadata fields that loading, serving and listing a model read: a file written by
 * hand or by another build that lacks one is refused on load (the fused order serves and
 * the reason is logged), never met as a crash in the middle of a search.
 */
const servedMetadataSchema = z.looseObject({
  version: z.string(),
  trained_at: z.string(),
  tensorflow: z.looseObject({ backend: z.string() }),
  features: z.array(z.string()),
  normalization: z.looseObject({ mean: numbers, std: numbers }),
  training: z.looseObject({
    source: z.enum(['events', 'judgments']),
    seconds: z.number(),
    epoch_loss: numbers,
    epoch_heldout_ndcg: numbers,
    epoch_seconds: numbers,
    max_position: z.number().int().positive().optional(),
    position_propensity: numbers.optional(),
  }),
  metrics: z.looseObject({ heldout_lists: z.number(), ndcg10: z.number(), ndcg10_fused: z.number() }),
  serve: z
    .looseObject({ shoppers_without_history: z.boolean(), shoppers_with_history: z.boolean().optional() })
    .optional(),
  correction: z
    .looseObject({
      kind: z.literal('bounded'),
      bound: z.looseObject({ with_history: z.number(), without_history: z.number() }),
    })
    .optional(),
});

export class RankerRegistry {
  readonly dir: string;

  constructor(modelsDir: string) {
    this.dir = path.join(modelsDir, 'ranker');
  }

  save(metadata: RankerMetadata, layers: readonly DenseLayer[]): string {
    const dir = path.join(this.dir, metadata.version);
    fs.mkdirSync(dir, { recursive: true });
    const stored: StoredLayer[] = layers.map((l) => ({
      inputs: l.inputs,
      outputs: l.outputs,
      activation: l.activation,
      weights: Array.from(l.weights),
      bias: Array.from(l.bias),
    }));
    const weights = Buffer.from(JSON.stringify(stored));
    writeFileAtomically(path.join(dir, 'weights.json'), weights);
    const checked: RankerMetadata = { ...metadata, files: { 'weights.json': checksumOf(weights) } };
    writeFileAtomically(path.join(dir, 'metadata.json'), `${JSON.stringify(checked, null, 2)}\n`);
    return dir;
  }

  /** Reads and checks a saved version; a bad file is an `invalid_model` ServiceError naming it. */
  load(version: string): SavedRanker {
    if (!/^[\w.-]+$/.test(version))
      throw new ServiceError('invalid_model', `${version} is not a ranker version`);
    const dir = path.join(this.dir, version);
    const metadata = readMetadataFile<RankerMetadata>(dir);
    const checked = servedMetadataSchema.safeParse(metadata);
    if (!checked.success) {
      const issue = checked.error.issues[0]!;
      throw new ServiceError(
        'invalid_model',
        `${path.join(dir, 'metadata.json')}: ${issue.path.join('.') || '(root)'}: ${issue.message}`,
      );
    }
    const bytes = readCheckedFile(dir, 'weights.json', metadata.files?.['weights.json']);
    let stored: StoredLayer[];
    try {
      stored = JSON.parse(bytes.toString('utf8')) as StoredLayer[];
    } catch (error) {
      throw new ServiceError(
        'invalid_model',
        `${path.join(dir, 'weights.json')} is not valid JSON (truncated?)`,
        {
          cause: error,
        },
      );
    }
    try {
      return new SavedRanker(
        metadata,
        stored.map((l) => ({ ...l, weights: Float32Array.from(l.weights), bias: Float32Array.from(l.bias) })),
      );
    } catch (error) {
      throw new ServiceError('invalid_model', `ranker ${version}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  /** What is wrong with a saved version's files (`null`: they load and match their checksums). */
  problem(version: string): string | null {
    try {
      this.load(version);
      return null;
    } catch (error) {
      if (error instanceof ServiceError) return error.message;
      throw error;
    }
  }

  list(): RankerMetadata[] {
    if (!fs.existsSync(this.dir)) return [];
    return fs
      .readdirSync(this.dir, { withFileTypes: true })
      .filter((e) => e.isDirectory() && fs.existsSync(path.join(this.dir, e.name, 'metadata.json')))
      .flatMap((e) => {
        // A version whose metadata cannot be parsed is no version: loading it would fail too.
        try {
          return [readMetadataFile<RankerMetadata>(path.join(this.dir, e.name))];
        } catch {
          return [];
        }
      })
      .sort((a, b) => b.trained_at.localeCompare(a.trained_at));
  }

  state(): RegistryState {
    try {
      return JSON.parse(fs.readFileSync(path.join(this.dir, 'active.json'), 'utf8')) as RegistryState;
    } catch {
      return { history: [] };
    }
  }

  activeModel(): SavedRanker | undefined {
    const { active } = this.state();
    return active ? this.load(active) : undefined;
  }

  /** Makes `version` the serving model; the one serving now goes onto the history. */
  promote(version: string): RegistryState {
    this.mustExist(version);
    this.load(version); // a version whose files fail their check never serves
    const state = this.state();
    const shadow = state.shadow?.version === version ? undefined : state.shadow;
    if (state.active === version && shadow === state.shadow) return state;
    const next: RegistryState = {
      active: version,
      history: state.active && state.active !== version ? [...state.history, state.active] : state.history,
      ...(shadow && { shadow }),
    };
    this.write(next);
    return next;
  }

  /** Puts `version` in shadow for `searches` live searches; a model already there is superseded. */
  startShadow(version: string, searches: number): RegistryState {
    this.mustExist(version);
    const state = this.state();
    const previous = state.shadow && this.shadowReport(state.shadow.version);
    if (previous?.status === 'scoring')
      this.saveShadowReport({ ...previous, status: 'superseded', updated_at: new Date().toISOString() });
    const next: RegistryState = {
      ...state,
      shadow: { version, searches, started_at: new Date().toISOString() },
    };
    this.write(next);
    return next;
  }

  /** Ends the shadow phase with its report: promoted, or rejected and left saved. */
  finishShadow(report: ShadowReport): RegistryState {
    this.saveShadowReport(report);
    const state = this.state();
    if (state.shadow?.version !== report.version) return state;
    if (report.status === 'promoted') return this.promote(report.version);
    const { shadow: _, ...rest } = state;
    this.write(rest);
    return rest;
  }

  shadowReport(version: string): ShadowReport | undefined {
    try {
      return JSON.parse(fs.readFileSync(path.join(this.dir, version, 'shadow.json'), 'utf8')) as ShadowReport;
    } catch {
      return undefined;
    }
  }

  saveShadowReport(report: ShadowReport): void {
    const file = path.join(this.dir, report.version, 'shadow.json');
    const temporary = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, `${JSON.stringify(report, null, 2)}\n`);
    fs.renameSync(temporary, file);
  }

  private mustExist(version: string): void {
    if (!fs.existsSync(path.join(this.dir, version, 'metadata.json'))) {
      const saved = this.list().map((m) => m.version);
      throw new ServiceError(
        'not_found',
        `no ranker version ${version}; saved versions: ${saved.join(', ') || 'none'}`,
      );
    }
  }

  /** Goes back to the previously serving model (none left: no model, fused order). */
  rollback(): RegistryState {
    const state = this.state();
    const history = [...state.history];
    const previous = history.pop();
    const next: RegistryState = {
      ...(previous && { active: previous }),
      history,
      ...(state.shadow && { shadow: state.shadow }),
    };
    this.write(next);
    return next;
  }

  private write(state: RegistryState): void {
    fs.mkdirSync(this.dir, { recursive: true });
    const temporary = path.join(this.dir, `.active-${process.pid}.json`);
    fs.writeFileSync(temporary, JSON.stringify({ ...state, updated_at: new Date().toISOString() }));
    fs.renameSync(temporary, path.join(this.dir, 'active.json'));
  }
}
