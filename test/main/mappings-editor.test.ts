/**
 * The mappings editor on a real mappings directory: saves keep a bounded history that undo
 * walks back through, a save that the whole set refuses leaves the file as it was, and
 * an unchanged save adds nothing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MappingsStore } from '../../src/main/mappings.ts';
import { HISTORY_LIMIT, MappingsEditor, versionOf } from '../../src/main/mappings-editor.ts';
import { temporaryDirectory } from '../helpers/runtime.ts';

const synonyms = (n: number) => `drill, driver\ncouch, sofa${n}\n`;

describe('mappings editor', () => {
  let dir: string;
  let store: MappingsStore;
  let editor: MappingsEditor;

  beforeEach(() => {
    dir = temporaryDirectory('mappings-editor-');
    fs.cpSync(path.resolve('mappings'), dir, { recursive: true });
    store = new MappingsStore(dir);
    editor = new MappingsEditor(dir, store);
  });
  afterEach(() => store.close());

  it(`keeps the last ${HISTORY_LIMIT} versions, newest first, and undo walks back through them`, () => {
    const original = editor.read('synonyms.txt');
    let version = original.version;
    for (let n = 1; n <= HISTORY_LIMIT + 2; n++)
      version = editor.save('synonyms.txt', synonyms(n), version).version;
    const saved = editor.read('synonyms.txt');
    expect(saved.history).toHaveLength(HISTORY_LIMIT);
    expect(saved.history[0]!.version).toBe(versionOf(synonyms(HISTORY_LIMIT + 1)));
    expect(store.current.synonyms.lines.some((l) => l.rule.includes(`sofa${HISTORY_LIMIT + 2}`))).toBe(true);
    const once = editor.undo('synonyms.txt', saved.version);
    expect(once.text).toBe(synonyms(HISTORY_LIMIT + 1));
    const twice = editor.undo('synonyms.txt', once.version);
    expect(twice.text).toBe(synonyms(HISTORY_LIMIT));
    expect(twice.history).toHaveLength(HISTORY_LIMIT - 2);
    expect(store.current.synonyms.lines.some((l) => l.rule.includes(`sofa${HISTORY_LIMIT}`))).toBe(true);
  });

  it('adds nothing to the history for a save that changes nothing', () => {
    const file = editor.read('rules.yaml');
    expect(editor.save('rules.yaml', file.text, file.version).history).toEqual(file.history);
  });

  it('creates an optional file that is absent, and undo of its first save finds nothing to restore', () => {
    fs.rmSync(path.join(dir, 'suggestions-blocklist.yaml'));
    const absent = editor.read('suggestions-blocklist.yaml');
    expect(absent).toMatchObject({ exists: false, text: '', version: versionOf('') });
    const saved = editor.save('suggestions-blocklist.yaml', 'phrases: [knockoff]\n', absent.version);
    expect(saved.exists).toBe(true);
    expect(store.current.suggestionBlocklist.blocks('cheap knockoff')).toBe(true);
    expect(() => editor.undo('suggestions-blocklist.yaml', saved.version)).toThrow(/no earlier version/);
  });
});
