/** `mappings/jobs.yaml`: when the maintenance jobs run, in which timezone, and how. */
import cron from 'node-cron';
import { z } from 'zod';

const cronExpression = z
  .string()
  .refine(
    (expression) => cron.validate(expression),
    'not a valid cron expression (minute hour day month weekday)',
  );

const timezone = z.string().refine((zone) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}, 'not an IANA timezone such as UTC or Europe/Berlin');

const job = { schedule: cronExpression, enabled: z.boolean() };

export const jobsSettingsSchema = z.strictObject({
  timezone,
  lock_ttl_seconds: z.number().int().min(10).max(86_400),
  jobs: z.strictObject({
    reindex: z.strictObject({
      ...job,
      /** A catalog feed (CSV, JSON or NDJSON) that a reindex rebuilds from; the stored catalog otherwise. */
      feed: z
        .strictObject({
          path: z.string().min(1),
          rename: z.record(z.string(), z.string()).optional(),
        })
        .optional(),
    }),
    suggestions: z.strictObject({
      ...job,
      /** A query must come from at least this many shoppers to be suggested (privacy). */
      min_shoppers: z.number().int().min(1).max(1000),
      days: z.number().int().min(1).max(3650),
    }),
    retrain: z.strictObject({
      ...job,
      since_days: z.number().int().min(1).max(3650),
      /** Fewer logged result lists with a click than this: nothing to learn yet. */
      min_lists: z.number().int().min(1),
      epochs: z.number().int().min(1).max(1000),
      learning_rate: z.number().min(0).max(1),
    }),
    retention: z.strictObject({
      ...job,
      /** Events (clicks, carts, purchases) older than this are deleted. */
      events_days: z.number().int().min(1).max(3650),
      /** Logged searches (query texts, result lists, feature values) older than this are deleted. */
      impressions_days: z.number().int().min(1).max(3650),
    }),
  }),
});

export type JobsSettings = z.output<typeof jobsSettingsSchema>;
