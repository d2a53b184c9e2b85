/**
 * `/v1/admin/merchandising`: what the serving merchandising files hold (and their warnings),
 * and the preview of proposed files before they go live. Behind the admin key.
 */
import { type RequestHandler, Router } from 'express';
import { z } from 'zod';
import type { Judgments } from '../../eval/judgments.ts';
import { ConfigFileError } from '../../main/config-file.ts';
import type { MerchandisingReport } from '../../merchandising/report.ts';
import { type FileText, MERCHANDISING_FILES, type MerchandisingFile } from '../../merchandising/settings.ts';
import { MAX_PREVIEW_QUERIES, type MerchandisingPreview } from '../../retrieval/merchandising-preview.ts';
import { MAX_PAGE_SIZE, MAX_QUERY_LENGTH } from '../../retrieval/search-request.ts';
import { invalidRequest, zodDetails } from '../errors.ts';
import { jsonBody } from '../request-bodies.ts';
import { requireAdminKey } from './admin.ts';

const FILE_KINDS = Object.fromEntries(
  Object.entries(MERCHANDISING_FILES).map(([kind, name]) => [name, kind as MerchandisingFile]),
);

/** A file's text, at most 5 MB: a rules file of 10,000 rules is well under it. */
const fileText = z.string().max(5_000_000);

const filesSchema = z.strictObject(
  Object.fromEntries(Object.values(MERCHANDISING_FILES).map((name) => [name, fileText.optional()])),
);

export const validateBody = z.strictObject({ files: filesSchema });

export const previewBody = z.strictObject({
  files: filesSchema,
  queries: z.array(z.string().trim().min(1).max(MAX_QUERY_LENGTH)).min(1).max(MAX_PREVIEW_QUERIES).optional(),
  top_queries: z.number().int().min(1).max(MAX_PREVIEW_QUERIES).default(50),
  days: z.number().int().min(1).max(365).default(30),
  judgments: z
    .array(
      z.strictObject({
        query: z.string().trim().min(1).max(MAX_QUERY_LENGTH),
        product_id: z.string().min(1).max(256),
        relevance: z.number().min(1).max(3),
      }),
    )
    .max(100_000)
    .optional(),
  size: z.number().int().min(1).max(MAX_PAGE_SIZE).default(10),
  at: z.iso.datetime({ offset: true }).optional(),
});

/** Errors in a proposed file are reported under `proposed/<name>`. */
function proposedFiles(
  files: Record<string, string | undefined>,
): Partial<Record<MerchandisingFile, FileText>> {
  const out: Partial<Record<MerchandisingFile, FileText>> = {};
  for (const [name, text] of Object.entries(files)) {
    if (text !== undefined) out[FILE_KINDS[name]!] = { name: `proposed/${name}`, text };
  }
  return out;
}

/** Invalid proposed files are the client's mistake: a 400 naming the file, line and column of each problem. */
async function asRequestError<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof ConfigFileError)) throw error;
    // Each problem starts with its file's name (`proposed/rules.yaml:4:51 ...`).
    const fileOf = (problem: string) =>
      Object.values(MERCHANDISING_FILES).find((name) => problem.startsWith(`proposed/${name}`)) ?? '(files)';
    throw invalidRequest(
      error.problems.map((message) => ({ field: `files.${fileOf(message)}`, rule: 'invalid_file', message })),
    );
  }
}

function judgmentsOf(list: z.output<typeof previewBody>['judgments']): Judgments | undefined {
  if (!list) return undefined;
  const judgments: Judgments = new Map();
  for (const { query, product_id, relevance } of list) {
    const perQuery = judgments.get(query) ?? new Map<string, number>();
    perQuery.set(product_id, relevance);
    judgments.set(query, perQuery);
  }
  return judgments;
}

export function merchandisingRoutes(options: {
  apiKey: string | undefined;
  preview: MerchandisingPreview;
  /** The serving files' report (warnings included). */
  report: () => Promise<MerchandisingReport>;
  guard: RequestHandler;
  /** Proposed files travel in the body: up to this many bytes, parsed only for an admin. */
  bodyBytes: number;
}): Router {
  const router = Router();
  router.use(
    '/v1/admin/merchandising',
    requireAdminKey(options.apiKey),
    jsonBody(options.bodyBytes),
    options.guard,
  );
  router.get('/v1/admin/merchandising', async (_req, res) => {
    res.json(await options.report());
  });
  router.post('/v1/admin/merchandising/validate', async (req, res) => {
    const parsed = validateBody.safeParse(req.body ?? {});
    if (!parsed.success) throw invalidRequest(zodDetails(parsed.error));
    const files = proposedFiles(parsed.data.files);
    res.json(await asRequestError(() => options.preview.validate(files)));
  });
  router.post('/v1/admin/merchandising/preview', async (req, res) => {
    const parsed = previewBody.safeParse(req.body ?? {});
    if (!parsed.success) throw invalidRequest(zodDetails(parsed.error));
    const body = parsed.data;
    const judgments = judgmentsOf(body.judgments);
    const report = await asRequestError(() =>
      options.preview.preview({
        files: proposedFiles(body.files),
        ...(body.queries && { queries: body.queries }),
        topQueries: body.top_queries,
        days: body.days,
        ...(judgments && { judgments }),
        size: body.size,
        ...(body.at && { at: Date.parse(body.at) }),
      }),
    );
    res.json(report);
  });
  return router;
}
