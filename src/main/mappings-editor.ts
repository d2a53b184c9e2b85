/**
 * Reading and saving the tuning files a merchandiser edits in the console (rules, synonyms,
 * stopwords, boosts, attributes, experiments, the suggestions blocklist). A save is checked
 * with the file's own schema first (errors with file, line and column), refused with a
 * conflict when it was edited from a version that is no longer current, written atomically
 * (temporary file + rename, so the watcher never reads half a file), and applied at once by
 * reloading the mappings the way the file watcher does. The version it replaced goes onto
 * the file's history in `mappings/.history/<file>/`, so a save can be undone; nothing is
 * ever written outside the mappings directory. See docs/adr/0013.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { experimentsSettingsSchema } from '../experiments/experiment-settings.ts';
import {
  MERCHANDISING_FILES,
  type MerchandisingFile,
  parseMerchandisingFile,
} from '../merchandising/settings.ts';
import { writeFileAtomically } from '../ml/model-files.ts';
import { suggestionBlocklistSchema } from '../suggest/suggestion-blocklist.ts';
import { ConfigFileError, parseYamlConfig } from './config-file.ts';
import { ServiceError } from './errors.ts';
import type { MappingsStore } from './mappings.ts';

const MERCHANDISING_KINDS = Object.fromEntries(
  Object.entries(MERCHANDISING_FILES).map(([kind, name]) => [name, kind as MerchandisingFile]),
);

/** Each editable file and the check a save must pass (the one the service loads it with). */
const CHECKS: Record<string, (name: string, text: string) => unknown> = {
  ...Object.fromEntries(
    Object.entries(MERCHANDISING_KINDS).map(([file, kind]) => [
      file,
      (name: string, text: string) => parseMerchandisingFile(kind, { name, text }),
    ]),
  ),
  'experiments.yaml': (name, text) => parseYamlConfig(name, text, experimentsSettingsSchema),
  'suggestions-blocklist.yaml': (name, text) => parseYamlConfig(name, text, suggestionBlocklistSchema),
};

export const EDITABLE_MAPPINGS_FILES: readonly string[] = Object.keys(CHECKS);

/** Versions kept per file: enough to undo a morning's edits, bounded on disk. */
export const HISTORY_LIMIT = 20;

export interface MappingsFileVersion {
  version: string;
  saved_at: string;
  bytes: number;
}

export interface MappingsFile {
  file: string;
  /** Absent optional files read as empty text; saving one creates it. */
  exists: boolean;
  text: string;
  /** Content hash: what a save must name as its base. */
  version: string;
  modified_at: string | null;
  /** Earlier versions, most recent first: undo restores the first. */
  history: MappingsFileVersion[];
}

export interface MappingsProblem {
  file: string;
  line: number | null;
  column: number | null;
  message: string;
}

/** A proposed file that fails its check: each problem with its line and column. */
export class MappingsFileInvalid extends ServiceError {
  constructor(readonly problems: MappingsProblem[]) {
    super('invalid_request', problems[0]?.message ?? 'the file is not valid', {
      details: problems.map((p) => ({ field: 'text', rule: 'invalid_file', ...p })),
    });
  }
}

export function versionOf(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** `mappings/rules.yaml:4:7 rules.0.pin: ...` -> its line and column. */
function problemOf(file: string, message: string): MappingsProblem {
  const where = message.match(/^\S+?:(\d+):(\d+)\s/);
  return {
    file,
    line: where ? Number(where[1]) : null,
    column: where ? Number(where[2]) : null,
    message,
  };
}

/** `<millis, zero-padded so names sort by time>-<version>.txt` */
function historyName(millis: number, version: string): string {
  return `${String(millis).padStart(14, '0')}-${version}.txt`;
}

export class MappingsEditor {
  private readonly historyDir: string;

  constructor(
    private readonly dir: string,
    private readonly store: MappingsStore,
  ) {
    this.historyDir = path.join(dir, '.history');
  }

  list(): Omit<MappingsFile, 'text'>[] {
    return EDITABLE_MAPPINGS_FILES.map((file) => {
      const { text: _, ...rest } = this.read(file);
      return rest;
    });
  }

  read(file: string): MappingsFile {
    const target = this.pathOf(file);
    const exists = fs.existsSync(target);
    const text = exists ? fs.readFileSync(target, 'utf8') : '';
    return {
      file,
      exists,
      text,
      version: versionOf(text),
      modified_at: exists ? fs.statSync(target).mtime.toISOString() : null,
      history: this.history(file),
    };
  }

  /** The problems of a proposed text (empty: it would load). */
  check(file: string, text: string): MappingsProblem[] {
    const check = CHECKS[this.known(file)]!;
    try {
      check(`mappings/${file}`, text);
      return [];
    } catch (error) {
      if (!(error instanceof ConfigFileError)) throw error;
      return error.problems.map((message) => problemOf(file, message));
    }
  }

  /**
   * Saves `text` as `file` if `baseVersion` is still the file's version, and applies it.
   * Synchronous from check to reload, so two saves in this process never interleave.
   */
  save(file: string, text: string, baseVersion: string): MappingsFile {
    const current = this.read(file);
    this.mustBeCurrent(current, baseVersion);
    const problems = this.check(file, text);
    if (problems.length > 0) throw new MappingsFileInvalid(problems);
    if (text === current.text) return current;
    if (current.exists) this.pushHistory(file, current.text);
    this.writeAndApply(file, text, () => {
      if (current.exists) this.popHistory(file);
      return current.exists ? current.text : undefined;
    });
    return this.read(file);
  }

  /** Restores the version before the last save (the one undone is not kept). */
  undo(file: string, baseVersion: string): MappingsFile {
    const current = this.read(file);
    this.mustBeCurrent(current, baseVersion);
    const previous = current.history[0];
    if (!previous) throw new ServiceError('not_found', `${file} has no earlier version to go back to`);
    const text = fs.readFileSync(this.historyFile(file, previous), 'utf8');
    const problems = this.check(file, text);
    if (problems.length > 0) throw new MappingsFileInvalid(problems);
    this.writeAndApply(file, text, () => current.text);
    this.popHistory(file);
    return this.read(file);
  }

  /**
   * Writes the file and reloads the mappings at once. Should the set fail to load (a
   * check across files), the file goes back to what it was and the error is the client's.
   */
  private writeAndApply(file: string, text: string, restore: () => string | undefined): void {
    const target = this.pathOf(file);
    writeFileAtomically(target, text);
    const error = this.store.reload();
    if (!error) return;
    const before = restore();
    if (before === undefined) fs.rmSync(target, { force: true });
    else writeFileAtomically(target, before);
    this.store.reload();
    const problems =
      error instanceof ConfigFileError
        ? error.problems.map((message) => problemOf(file, message))
        : [{ file, line: null, column: null, message: error.message }];
    throw new MappingsFileInvalid(problems);
  }

  private mustBeCurrent(current: MappingsFile, baseVersion: string): void {
    if (baseVersion !== current.version) {
      throw new ServiceError(
        'version_conflict',
        `${current.file} changed since version ${baseVersion} was read (now ${current.version}): reload it, then apply your edit again`,
        {
          details: [
            { field: 'base_version', rule: 'stale', message: `current version is ${current.version}` },
          ],
        },
      );
    }
  }

  private known(file: string): string {
    if (!(file in CHECKS)) {
      throw new ServiceError(
        'not_found',
        `no editable mappings file "${file}"; files are ${EDITABLE_MAPPINGS_FILES.join(', ')}`,
      );
    }
    return file;
  }

  /** Only the fixed names resolve, so no path from a request reaches outside mappings/. */
  private pathOf(file: string): string {
    return path.join(this.dir, this.known(file));
  }

  private history(file: string): MappingsFileVersion[] {
    const dir = path.join(this.historyDir, file);
    if (!fs.existsSync(dir)) return [];
    return fs
      .readdirSync(dir)
      .filter((name) => /^\d+-[0-9a-f]{16}\.txt$/.test(name))
      .sort()
      .reverse()
      .map((name) => {
        const [millis, version] = name.replace(/\.txt$/, '').split('-') as [string, string];
        return {
          version,
          saved_at: new Date(Number(millis)).toISOString(),
          bytes: fs.statSync(path.join(dir, name)).size,
        };
      });
  }

  private historyFile(file: string, entry: MappingsFileVersion): string {
    return path.join(this.historyDir, file, historyName(Date.parse(entry.saved_at), entry.version));
  }

  private pushHistory(file: string, text: string): void {
    const dir = path.join(this.historyDir, file);
    fs.mkdirSync(dir, { recursive: true });
    // Millisecond names sort by time; two saves in one millisecond take the next one.
    let millis = Date.now();
    const latest = this.history(file)[0];
    if (latest) millis = Math.max(millis, Date.parse(latest.saved_at) + 1);
    writeFileAtomically(path.join(dir, historyName(millis, versionOf(text))), text);
    for (const old of this.history(file).slice(HISTORY_LIMIT)) fs.rmSync(this.historyFile(file, old));
  }

  private popHistory(file: string): void {
    const latest = this.history(file)[0];
    if (latest) fs.rmSync(this.historyFile(file, latest));
  }
}
