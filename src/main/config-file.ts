/**
 * Loads a YAML file that people edit and validates it with a zod schema. Errors name the
 * file, line and column of the offending key or value, e.g.
 *   mappings/boosts.yaml:4:3 fields.titel: unknown key
 */
import fs from 'node:fs';
import { isMap, isScalar, LineCounter, type Node, parseDocument } from 'yaml';
import type { z } from 'zod';
import { ServiceError } from './errors.ts';

export class ConfigFileError extends ServiceError {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super('invalid_config', `invalid configuration in ${file}:\n  ${problems.join('\n  ')}`);
  }
}

type Document = ReturnType<typeof parseDocument>;

function nodeAt(doc: Document, path: readonly PropertyKey[]): Node | undefined {
  const node = path.length === 0 ? doc.contents : doc.getIn(path as unknown[], true);
  return (node ?? undefined) as Node | undefined;
}

/** The deepest node along `path` that exists, and the key node for an unknown key. */
function locate(doc: Document, path: readonly PropertyKey[], unknownKey?: string): Node | undefined {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = nodeAt(doc, path.slice(0, depth));
    if (!node) continue;
    if (unknownKey !== undefined && depth === path.length && isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === unknownKey);
      if (pair && isScalar(pair.key)) return pair.key;
    }
    return node;
  }
  return undefined;
}

export function parseYamlConfig<S extends z.ZodType>(file: string, text: string, schema: S): z.output<S> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const where = (offset: number | undefined) => {
    if (offset === undefined) return file;
    const { line, col } = lineCounter.linePos(offset);
    return `${file}:${line}:${col}`;
  };
  if (doc.errors.length > 0) {
    throw new ConfigFileError(
      file,
      doc.errors.map((e) => `${where(e.pos[0])} ${e.message.split('\n')[0]}`),
    );
  }
  const parsed = schema.safeParse(doc.toJS() ?? {});
  if (parsed.success) return parsed.data;
  const problems: string[] = [];
  for (const issue of parsed.error.issues) {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
    for (const key of keys) {
      const node = locate(doc, issue.path, key);
      const fullPath = [...issue.path.map(String), ...(key === undefined ? [] : [key])].join('.') || '(root)';
      const message = key === undefined ? issue.message : 'unknown key';
      problems.push(`${where(node?.range?.[0])} ${fullPath}: ${message}`);
    }
  }
  throw new ConfigFileError(file, problems);
}

/** `file:line:column` of the node at `path` in a YAML text (for warnings about valid files). */
export function yamlLocation(file: string, text: string, path: readonly PropertyKey[]): string {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const offset = locate(doc, path)?.range?.[0];
  if (offset === undefined) return file;
  const { line, col } = lineCounter.linePos(offset);
  return `${file}:${line}:${col}`;
}

export function loadYamlConfig<S extends z.ZodType>(file: string, schema: S): z.output<S> {
  return parseYamlConfig(file, fs.readFileSync(file, 'utf8'), schema);
}
