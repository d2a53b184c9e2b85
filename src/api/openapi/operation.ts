/** One documented route: what the route table says of it, and the shared pieces of many. */
import { z } from 'zod';

export type Method = 'get' | 'post' | 'put' | 'delete';
export type Access = 'public' | 'key_when_set' | 'admin';

/** A documented example request: what the test sends, and what the docs page shows. */
export interface OperationExample {
  params?: Record<string, string>;
  query?: Record<string, unknown>;
  body?: unknown;
}

export interface Operation {
  method: Method;
  /** The express route template (`/v1/products/:id`). */
  path: string;
  tag: string;
  summary: string;
  access: Access;
  query?: z.ZodObject;
  params?: z.ZodObject;
  body?: { schema: z.ZodType; description?: string; ndjson?: boolean };
  /** Successful statuses and what each answers; errors are added from the access level. */
  responses: Record<number, { description: string; schema?: z.ZodType; contentType?: string }>;
  example?: OperationExample;
}

const recordErrors = z.array(
  z.object({
    index: z.number().int(),
    errors: z.array(z.object({ path: z.string(), code: z.string(), message: z.string() })),
  }),
);

export const batchReport = z
  .looseObject({ received: z.number().int(), accepted: z.number().int(), errors: recordErrors })
  .meta({
    id: 'BatchReport',
    description: 'Each record validated on its own; rejected ones listed by index.',
  });

export const anyObject = z.looseObject({});
/** Batch bodies: one record or a JSON array of them (NDJSON is the other content type). */
export const oneOrMany = (record: z.ZodType, max: number) =>
  z.union([record, z.array(record).min(1).max(max)]);
export const idParam = (name: string, example: string) =>
  z.object({ [name]: z.string().min(1).max(256).meta({ example }) });

export const errorResponse = z
  .object({
    error: z.object({
      code: z.string().meta({ example: 'invalid_request' }),
      message: z.string(),
      details: z.array(z.object({ field: z.string(), rule: z.string(), message: z.string() })).optional(),
    }),
  })
  .meta({ id: 'Error', description: 'Every error: the code, a message, and each field and rule broken.' });
