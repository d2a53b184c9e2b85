/**
 * The tuning files in `mappings/`, validated together. Loading fails loudly at start-up;
 * later edits are picked up by a file watcher, and an edit that fails validation is
 * logged with its file, line and column while the last good version stays in force.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type ExperimentsSettings, experimentsSettingsSchema } from '../experiments/experiment-settings.ts';
import { type JobsSettings, jobsSettingsSchema } from '../jobs/jobs-settings.ts';
import {
  type FileText,
  MERCHANDISING_FILES,
  type MerchandisingFile,
  type MerchandisingSettings,
  parseMerchandising,
  REQUIRED_MERCHANDISING_FILES,
} from '../merchandising/settings.ts';
import { type SearchSettings, searchSettingsSchema } from '../retrieval/search-settings.ts';
import { SuggestionBlocklist, suggestionBlocklistSchema } from '../suggest/suggestion-blocklist.ts';
import { loadYamlConfig } from './config-file.ts';
import type { Logger } from './logger.ts';

export interface Mappings extends MerchandisingSettings {
  search: SearchSettings;
  jobs: JobsSettings;
  experiments: ExperimentsSettings;
  /** Phrases never suggested (`suggestions-blocklist.yaml`; none when the file is absent). */
  suggestionBlocklist: SuggestionBlocklist;
  /** The merchandising files as read (a preview replaces some of them and parses the set again). */
  files: Partial<Record<MerchandisingFile, FileText>>;
}

/** The merchandising files of a directory, as text; an optional file that is not there is left out. */
export function readMerchandisingFiles(dir: string): Partial<Record<MerchandisingFile, FileText>> {
  const files: Partial<Record<MerchandisingFile, FileText>> = {};
  for (const [kind, name] of Object.entries(MERCHANDISING_FILES) as [MerchandisingFile, string][]) {
    const file = path.join(dir, name);
    if (!REQUIRED_MERCHANDISING_FILES.includes(kind) && !fs.existsSync(file)) continue;
    files[kind] = { name: file, text: fs.readFileSync(file, 'utf8') };
  }
  return files;
}

const BLOCKLIST_FILE = 'suggestions-blocklist.yaml';

export function loadMappings(dir: string): Mappings {
  const experiments = path.join(dir, 'experiments.yaml');
  const files = readMerchandisingFiles(dir);
  return {
    ...parseMerchandising(files),
    search: loadYamlConfig(path.join(dir, 'search.yaml'), searchSettingsSchema),
    jobs: loadYamlConfig(path.join(dir, 'jobs.yaml'), jobsSettingsSchema),
    // Optional: a mappings folder from before experiments runs none.
    experiments: fs.existsSync(experiments)
      ? loadYamlConfig(experiments, experimentsSettingsSchema)
      : experimentsSettingsSchema.parse({}),
    files,
    suggestionBlocklist: new SuggestionBlocklist(
      fs.existsSync(path.join(dir, BLOCKLIST_FILE))
        ? loadYamlConfig(path.join(dir, BLOCKLIST_FILE), suggestionBlocklistSchema).phrases
        : [],
    ),
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
      this.logger?.info({ dir: this.dir, rules: this.mappings.rules.size }, 'mappings reloaded');
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
