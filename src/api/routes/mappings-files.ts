/**
 * `/v1/admin/mappings`: the tuning files the console edits. Read one (its text and version,
 * also as the ETag), check a proposed text (problems at line:column), save it on the
 * version it was edited from (409 when another save came first), and undo the last save.
 * Saves apply at once. Behind the admin key; the editor is wiring (main/mappings-editor.ts).
 */
import { type RequestHandler, Router } from 'express';
import { z } from 'zod';
import { invalidRequest, zodDetails } from '../errors.ts';
import { decodablePathParams } from '../path-params.ts';
import { jsonBody } from '../request-bodies.ts';
import { requireAdminKey } from './admin.ts';

interface FileState {
  file: string;
  version: string;
}

/** What the routes need of the editor (main/mappings-editor.ts). */
export interface MappingsFilesPort {
  list(): unknown[];
  read(file: string): FileState & { text: string };
  check(file: string, text: string): unknown[];
  save(file: string, text: string, baseVersion: string): FileState;
  undo(file: string, baseVersion: string): FileState;
}

const text = z.string().max(5_000_000);
const version = z.string().regex(/^[0-9a-f]{16}$/, 'the 16-hex-digit version the file was read at');

export const mappingsFileParams = z.strictObject({
  file: z.string().min(1).max(64).meta({ example: 'rules.yaml' }),
});
export const checkMappingsBody = z.strictObject({ text });
export const saveMappingsBody = z.strictObject({ text, base_version: version });
export const undoMappingsBody = z.strictObject({ base_version: version });

function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value ?? {});
  if (!parsed.success) throw invalidRequest(zodDetails(parsed.error));
  return parsed.data;
}

export function mappingsFileRoutes(options: {
  apiKey: string | undefined;
  editor: MappingsFilesPort;
  guard: RequestHandler;
  bodyBytes: number;
}): Router {
  const router = Router();
  const { editor } = options;
  router.use(decodablePathParams(['/v1/admin/mappings/:file', '/v1/admin/mappings/:file/:action']));
  router.use(
    '/v1/admin/mappings',
    requireAdminKey(options.apiKey),
    jsonBody(options.bodyBytes),
    options.guard,
  );
  const send = (res: Parameters<RequestHandler>[1], state: FileState, status = 200) => {
    res.set('ETag', `"${state.version}"`).status(status).json(state);
  };
  router.get('/v1/admin/mappings', (_req, res) => {
    res.json({ files: editor.list() });
  });
  router.get<{ file: string }>('/v1/admin/mappings/:file', (req, res) => {
    const { file } = parse(mappingsFileParams, req.params);
    send(res, editor.read(file));
  });
  router.post<{ file: string }>('/v1/admin/mappings/:file/check', (req, res) => {
    const { file } = parse(mappingsFileParams, req.params);
    const body = parse(checkMappingsBody, req.body);
    const problems = editor.check(file, body.text);
    res.json({ file, valid: problems.length === 0, problems });
  });
  router.put<{ file: string }>('/v1/admin/mappings/:file', (req, res) => {
    const { file } = parse(mappingsFileParams, req.params);
    const body = parse(saveMappingsBody, req.body);
    send(res, editor.save(file, body.text, body.base_version));
  });
  router.post<{ file: string }>('/v1/admin/mappings/:file/undo', (req, res) => {
    const { file } = parse(mappingsFileParams, req.params);
    const body = parse(undoMappingsBody, req.body);
    send(res, editor.undo(file, body.base_version));
  });
  return router;
}
