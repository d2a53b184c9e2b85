/**
 * `merchandising validate` and `merchandising preview`: proposed merchandising files checked
 * as the service would load them, and tried on queries against the store before they go
 * live (what POST /v1/admin/merchandising/preview does over HTTP). Nothing that serves changes.
 */
import fs from 'node:fs';
import { loadJudgments } from '../../eval/judgments.ts';
import { loadConfig } from '../../main/config.ts';
import { ServiceError } from '../../main/errors.ts';
import { createRuntime } from '../../main/runtime.ts';
import type { FileText, MerchandisingFile } from '../../merchandising/settings.ts';
import { printJson } from '../print.ts';

export interface ProposedFileOptions {
  rules?: string;
  synonyms?: string;
  stopwords?: string;
  boosts?: string;
  attributes?: string;
}

export interface PreviewOptions extends ProposedFileOptions {
  queries?: string;
  query: string[];
  judgments?: string;
  topQueries: number;
  days: number;
  size: number;
  at?: string;
}

function readFile(file: string): string {
  if (!fs.existsSync(file)) throw new ServiceError('usage', `no such file: ${file}`);
  return fs.readFileSync(file, 'utf8');
}

function proposedFiles(options: ProposedFileOptions): Partial<Record<MerchandisingFile, FileText>> {
  const files: Partial<Record<MerchandisingFile, FileText>> = {};
  for (const kind of ['rules', 'synonyms', 'stopwords', 'boosts', 'attributes'] as const) {
    const file = options[kind];
    if (file) files[kind] = { name: file, text: readFile(file) };
  }
  return files;
}

export async function merchandisingValidate(options: ProposedFileOptions): Promise<void> {
  const files = proposedFiles(options);
  const runtime = await createRuntime(loadConfig());
  try {
    printJson(await runtime.merchandising.validate(files));
  } finally {
    await runtime.close();
  }
}

export async function merchandisingPreview(options: PreviewOptions): Promise<void> {
  const files = proposedFiles(options);
  const fromFile = options.queries
    ? readFile(options.queries)
        .split(/\r?\n/)
        .map((q) => q.trim())
        .filter((q) => q && !q.startsWith('#'))
    : [];
  const queries = [...fromFile, ...options.query];
  if (options.judgments) readFile(options.judgments);
  const at = options.at === undefined ? undefined : Date.parse(options.at);
  if (at !== undefined && Number.isNaN(at))
    throw new ServiceError('usage', `--at: expected a date and time such as 2027-03-01T00:00:00+01:00`);
  const runtime = await createRuntime(loadConfig());
  try {
    printJson(
      await runtime.merchandising.preview({
        files,
        ...(queries.length > 0 && { queries }),
        ...(options.judgments && { judgments: loadJudgments(options.judgments) }),
        topQueries: options.topQueries,
        days: options.days,
        size: options.size,
        ...(at !== undefined && { at }),
      }),
    );
  } finally {
    await runtime.close();
  }
}
