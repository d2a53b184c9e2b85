/**
 * `mappings/synonyms.txt`, in the Solr format that Elasticsearch's synonym sets read too:
 *
 *   sneakers, trainers, running shoes     equivalent: any of them finds all of them
 *   tv => television                      one-way: "tv" is searched as "television" only
 *   hoover, vacuum => vacuum cleaner      several words mapped to one replacement
 *   # a comment line
 *
 * Applied at query time to the keyword leg: the embedded engine matches the query's words
 * against the entries here (on their analyzed forms, so `sneaker` finds the `sneakers`
 * entry) and searches the alternatives as extra terms and phrases; Elasticsearch gets the
 * same lines as a synonym set behind a `synonym_graph` search analyzer.
 */
import { ConfigFileError } from '../main/config-file.ts';
import { analyze, normalizeText } from '../text/analyzer.ts';

const WORD = /[\p{L}\p{N}]+/gu;
/** More lines than Elasticsearch keeps in one synonym set would not behave the same there. */
export const MAX_SYNONYM_LINES = 10_000;

/** One entry of a line: its words and its analyzed tokens (what the index holds). */
interface Entry {
  text: string;
  /** Per word, its analyzed form: what a query word is compared with. */
  keys: string[];
  tokens: string[];
}

export interface SynonymLine {
  line: number;
  /** The line as written (what Elasticsearch's synonym set receives). */
  rule: string;
  kind: 'equivalent' | 'explicit';
  /** Equivalent: every entry. Explicit: the left-hand side. */
  from: Entry[];
  /** Explicit: the right-hand side (equivalent: empty, the entries stand for each other). */
  to: Entry[];
}

/** A query's words matched by a synonym line, and what the keyword leg searches for them instead or too. */
export interface SynonymMatch {
  /** The matched words, as the query has them. */
  words: string;
  line: number;
  /** Token sequences searched besides (equivalent) or instead of (explicit) the words. */
  alternatives: string[][];
  /** The matched words are no longer searched themselves (a one-way rule not mapping them to themselves). */
  replaced: boolean;
}

/** The normalized words of a text (what entries and queries are compared by). */
export function textWords(text: string): string[] {
  return normalizeText(text).match(WORD) ?? [];
}

function wordKey(word: string): string {
  return analyze(word).join(' ');
}

export class SynonymSet {
  /** First word key of an entry -> the entries starting with it, longest first. */
  private readonly byFirstKey = new Map<string, { entry: Entry; line: SynonymLine }[]>();

  constructor(readonly lines: readonly SynonymLine[]) {
    for (const line of lines) {
      for (const entry of line.from) {
        const list = this.byFirstKey.get(entry.keys[0]!) ?? [];
        list.push({ entry, line });
        this.byFirstKey.set(entry.keys[0]!, list);
      }
    }
    for (const list of this.byFirstKey.values())
      list.sort((a, b) => b.entry.keys.length - a.entry.keys.length);
  }

  get size(): number {
    return this.lines.length;
  }

  /** Whether a word is one of the shop's synonym words (typo correction leaves those alone). */
  mentions(word: string): boolean {
    if (!this.wordKeys) {
      this.wordKeys = new Set(
        this.lines.flatMap((line) => [...line.from, ...line.to].flatMap((entry) => entry.keys)),
      );
    }
    return this.wordKeys.has(wordKey(word));
  }

  private wordKeys: Set<string> | undefined;

  /**
   * The synonym matches in a query's words, left to right, the longest entry at each
   * position first and never overlapping (as Lucene's synonym graph matches).
   */
  match(words: readonly string[]): SynonymMatch[] {
    if (this.byFirstKey.size === 0 || words.length === 0) return [];
    const keys = words.map(wordKey);
    const matches: SynonymMatch[] = [];
    for (let i = 0; i < keys.length; ) {
      const found = (this.byFirstKey.get(keys[i]!) ?? []).find(({ entry }) =>
        entry.keys.every((key, j) => keys[i + j] === key),
      );
      if (!found) {
        i++;
        continue;
      }
      const { entry, line } = found;
      const span = entry.keys.length;
      const targets = line.kind === 'equivalent' ? line.from.filter((e) => e !== entry) : line.to;
      const keepsItself =
        line.kind === 'explicit' && line.to.some((e) => e.keys.join(' ') === entry.keys.join(' '));
      matches.push({
        words: words.slice(i, i + span).join(' '),
        line: line.line,
        alternatives: targets.filter((e) => e.keys.join(' ') !== entry.keys.join(' ')).map((e) => e.tokens),
        replaced: line.kind === 'explicit' && !keepsItself,
      });
      i += span;
    }
    return matches;
  }
}

/** Where each problem is: `file:line:column message`. */
function problem(file: string, line: number, column: number, message: string): string {
  return `${file}:${line}:${column} ${message}`;
}

function parseEntries(
  file: string,
  lineNumber: number,
  text: string,
  offset: number,
  problems: string[],
): Entry[] {
  const entries: Entry[] = [];
  let start = 0;
  for (const part of text.split(',')) {
    const column = offset + start + (part.length - part.trimStart().length) + 1;
    start += part.length + 1;
    const trimmed = part.trim().replace(/\s+/g, ' ');
    if (!trimmed) {
      problems.push(
        problem(file, lineNumber, column, 'empty entry: a comma with nothing before or after it'),
      );
      continue;
    }
    const words = textWords(trimmed);
    const tokens = analyze(trimmed);
    if (words.length === 0 || tokens.length === 0) {
      problems.push(problem(file, lineNumber, column, `"${trimmed}" has no word a search could match`));
      continue;
    }
    entries.push({ text: trimmed, keys: words.map(wordKey), tokens });
  }
  return entries;
}

/** Parses synonyms.txt; every problem is reported with its line and column, none is skipped. */
export function parseSynonyms(file: string, text: string): SynonymSet {
  const lines: SynonymLine[] = [];
  const problems: string[] = [];
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const lineNumber = index + 1;
    const line = raw.replace(/\s+$/, '');
    if (!line.trim() || line.trimStart().startsWith('#')) continue;
    const backslash = line.indexOf('\\');
    if (backslash >= 0) {
      problems.push(problem(file, lineNumber, backslash + 1, 'backslash escapes are not supported'));
      continue;
    }
    const arrows = [...line.matchAll(/=>/g)].map((m) => m.index!);
    if (arrows.length > 1) {
      problems.push(problem(file, lineNumber, arrows[1]! + 1, 'more than one "=>" on a line'));
      continue;
    }
    if (arrows.length === 1) {
      const at = arrows[0]!;
      const before = problems.length;
      const from = parseEntries(file, lineNumber, line.slice(0, at), 0, problems);
      const to = parseEntries(file, lineNumber, line.slice(at + 2), at + 2, problems);
      if (problems.length > before) continue;
      lines.push({ line: lineNumber, rule: line.trim(), kind: 'explicit', from, to });
      continue;
    }
    const before = problems.length;
    const entries = parseEntries(file, lineNumber, line, 0, problems);
    if (problems.length > before) continue;
    if (entries.length < 2) {
      const column = line.length - line.trimStart().length + 1;
      problems.push(
        problem(file, lineNumber, column, 'an equivalence needs two or more entries separated by commas'),
      );
      continue;
    }
    lines.push({ line: lineNumber, rule: line.trim(), kind: 'equivalent', from: entries, to: [] });
  }
  if (lines.length > MAX_SYNONYM_LINES) {
    problems.push(
      problem(file, lines[MAX_SYNONYM_LINES]!.line, 1, `more than ${MAX_SYNONYM_LINES} synonym lines`),
    );
  }
  if (problems.length > 0) throw new ConfigFileError(file, problems);
  return new SynonymSet(lines);
}

/** `mappings/stopwords.txt`: one word per line, `#` comments; dropped from the keyword leg's query. */
export function parseStopwords(file: string, text: string): ReadonlySet<string> {
  const words = new Set<string>();
  const problems: string[] = [];
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const trimmed = raw.trim();
    if (!trimmed || trimmed.startsWith('#')) continue;
    const column = raw.length - raw.trimStart().length + 1;
    const found = textWords(trimmed);
    if (found.length !== 1 || found[0] !== normalizeText(trimmed)) {
      problems.push(
        problem(
          file,
          index + 1,
          column,
          `"${trimmed}" is not one word (one stopword per line, letters and digits)`,
        ),
      );
      continue;
    }
    words.add(found[0]);
  }
  if (problems.length > 0) throw new ConfigFileError(file, problems);
  return words;
}
