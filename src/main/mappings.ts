/**
 * The tuning files in `mappings/`, validated together. Loading fails loudly at start-up;
 * later edits are picked up by a file watcher, and an edit that fails validation is
 * logged with its line while the last good version stays in force.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type ExperimentsSettings, experimentsSettingsSchema } from '../experiments/experiment-settings.ts';
import { type JobsSettings, jobsSettingsSchema } from '../jobs/jobs-settings.ts';
import { type Boosts, boostsSchema } from '../merchandising/boosts.ts';
import { type SearchSettings, searchSettingsSchema } from '../retrieval/search-settings.ts';
import { loadYamlConfig } from './config-file.ts';
import type { Logger } from './logger.ts';

export interface Mappings {
  boosts: Boosts;
  search: SearchSettings;
  jobs: JobsSettings;
  experiments: ExperimentsSettings;
}

export function loadMappings(dir: string): Mappings {
  const experiments = path.join(dir, 'experiments.yaml');
  return {
    boosts: loadYamlConfig(path.join(dir, 'boosts.yaml'), boostsSchema),
    search: loadYamlConfig(path.join(dir, 'search.yaml'), searchSettingsSchema),
    jobs: loadYamlConfig(path.join(dir, 'jobs.yaml'), jobsSettingsSchema),
    // Optional: a mappings folder from before experiments runs none.
    experiments: fs.existsSync(experiments)
      ? loadYamlConfig(experiments, experimentsSettingsSchema)
      : experimentsSettingsSchema.parse({}),
  };
}

const RELOAD_DEBOUNCE_MS = 100;

export class MappingsStore {
  private mappings: Mappings;
  private watcher: fs.FSWatcher | undefined;
  private reloadTimer: NodeJS.Timeout | undefined;
  private readonly listeners: ((mappings: Mappings) => void)[] = [];

  constructor(
    private readonly dir: string,
    private readonly logger?: Logger,
  ) {
    this.mappings = loadMappings(dir);
  }

  get current(): Mappings {
    return this.mappings;
  }

  /** Re-read the files; keeps the current mappings and returns the error when they are invalid. */
  reload(): Error | undefined {
    try {
      this.mappings = loadMappings(this.dir);
      this.logger?.info({ dir: this.dir }, 'mappings reloaded');
      for (const listener of this.listeners) listener(this.mappings);
      return undefined;
    } catch (error) {
      this.logger?.error({ err: error }, 'mappings edit rejected; previous mappings stay in force');
      return error as Error;
    }
  }

  /** Called after each successful reload (e.g. to reschedule jobs). */
  onReload(listener: (mappings: Mappings) => void): void {
    this.listeners.push(listener);
  }

  watch(): void {
    if (this.watcher) return;
    this.watcher = fs.watch(this.dir, () => {
      clearTimeout(this.reloadTimer);
      this.reloadTimer = setTimeout(() => this.reload(), RELOAD_DEBOUNCE_MS);
    });
    this.watcher.unref();
  }

  close(): void {
    clearTimeout(this.reloadTimer);
    this.watcher?.close();
    this.watcher = undefined;
  }
}
