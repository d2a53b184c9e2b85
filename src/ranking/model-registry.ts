/**
 * Versioned ranker models in `<models>/ranker/<version>/` (metadata.json, weights.json),
 * and `<models>/ranker/active.json` naming the serving version with the versions served
 * before it, so `rollback` can go back. Pointer writes are atomic (write + rename), and a
 * running service notices them and swaps models without a restart.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ServiceError } from '../main/errors.ts';
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
}

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
    fs.writeFileSync(path.join(dir, 'weights.json'), JSON.stringify(stored));
    fs.writeFileSync(path.join(dir, 'metadata.json'), `${JSON.stringify(metadata, null, 2)}\n`);
    return dir;
  }

  load(version: string): SavedRanker {
    const dir = path.join(this.dir, version);
    const metadata = JSON.parse(fs.readFileSync(path.join(dir, 'metadata.json'), 'utf8')) as RankerMetadata;
    const stored = JSON.parse(fs.readFileSync(path.join(dir, 'weights.json'), 'utf8')) as StoredLayer[];
    return new SavedRanker(
      metadata,
      stored.map((l) => ({ ...l, weights: Float32Array.from(l.weights), bias: Float32Array.from(l.bias) })),
    );
  }

  list(): RankerMetadata[] {
    if (!fs.existsSync(this.dir)) return [];
    return fs
      .readdirSync(this.dir, { withFileTypes: true })
      .filter((e) => e.isDirectory() && fs.existsSync(path.join(this.dir, e.name, 'metadata.json')))
      .map(
        (e) =>
          JSON.parse(fs.readFileSync(path.join(this.dir, e.name, 'metadata.json'), 'utf8')) as RankerMetadata,
      )
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
    if (!fs.existsSync(path.join(this.dir, version, 'metadata.json'))) {
      const saved = this.list().map((m) => m.version);
      throw new ServiceError(
        'not_found',
        `no ranker version ${version}; saved versions: ${saved.join(', ') || 'none'}`,
      );
    }
    const state = this.state();
    if (state.active === version) return state;
    const next = {
      active: version,
      history: state.active ? [...state.history, state.active] : state.history,
    };
    this.write(next);
    return next;
  }

  /** Goes back to the previously serving model (none left: no model, fused order). */
  rollback(): RegistryState {
    const state = this.state();
    const history = [...state.history];
    const previous = history.pop();
    const next: RegistryState = previous ? { active: previous, history } : { history };
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
