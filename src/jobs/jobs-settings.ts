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
      /**
       * Train a new encoder on the stored catalog, and build the generation with it, when the
       * serving encoder learned another catalog (the demo) or too much of this one is new.
       */
      adapt_encoder: z.strictObject({
        enabled: z.boolean(),
        /** Share of products new or changed since the encoder was trained that calls for a new one. */
        changed_share: z.number().min(0).max(1),
        /** Fewer products than this are too few to learn from: the encoder stays. */
        min_products: z.number().int().min(1),
        /** `use`: distil the Universal Sentence Encoder's word knowledge; `none`: the catalog alone. */
        teacher: z.enum(['use', 'none']),
        epochs: z.number().int().min(1).max(50),
        /** After the shop's catalog replaced the demo, the catalog stays unchanged this long before training starts. */
        after_quiet_seconds: z.number().min(0).max(86_400),
      }),
    }),
    suggestions: z.strictObject({
      ...job,
      /** A query must come from at least this many shoppers to be suggested (privacy). */
      min_shoppers: z.number().int().min(1).max(1000),
      days: z.number().int().min(1).max(3650),
    }),
    /** The engagement lists recommendations read (recommend/engagement-tables.ts). */
    recommendations: z.strictObject({
      ...job,
      /** Events of this many days back count. */
      days: z.number().int().min(1).max(3650),
      /** Co-engagement decays with this half-life: last week's pairs count more than last year's. */
      half_life_days: z.number().min(0.1).max(3650),
      /** Trending decays faster: what shoppers engage with now. */
      trending_half_life_days: z.number().min(0.01).max(365),
      /** A pair of products (or categories) needs this many distinct shoppers. */
      min_support: z.number().int().min(1).max(1000),
      /** The most recent products of each shopper that count. */
      per_shopper_limit: z.number().int().min(2).max(500),
      /** Products kept per list. */
      list_size: z.number().int().min(1).max(500),
      /** Content neighbours precomputed per product (the engine's kNN), so product pages read a list. */
      similar_neighbours: z.number().int().min(0).max(200).default(60),
      /** The neighbour pass stops after this long; products left keep the per-request kNN. */
      similar_budget_seconds: z.number().int().min(0).max(86_400).default(1800),
    }),
    retrain: z.strictObject({
      ...job,
      /**
       * `gate`: a trained model serves when it passes the offline gate below; `experiment`: it
       * is only saved, and a model version that won an ended experiment (experiments.yaml, as
       * the treatment) is promoted instead.
       */
      promotion: z.enum(['gate', 'experiment']).default('gate'),
      since_days: z.number().int().min(1).max(3650),
      /** Fewer logged result lists with a click than this: nothing to learn yet. */
      min_lists: z.number().int().min(1),
      epochs: z.number().int().min(1).max(1000),
      learning_rate: z.number().min(0).max(1),
      /** How far the model may move a result from its fused score, by shopper segment (ADR 0009). */
      correction_bound: z
        .strictObject({ with_history: z.number().min(0).max(5), without_history: z.number().min(0).max(5) })
        .default({ with_history: 0.5, without_history: 0.25 }),
      /** What a model must pass to serve a shopper segment (ranking/training/gate.ts). */
      gate: z
        .strictObject({
          judgment_tolerance: z.number().min(0).max(0.5),
          confidence: z.number().min(0.5).max(0.999),
          min_fused_agreement: z.number().min(0).max(1),
          min_lists: z.number().int().min(1),
          max_judged_queries: z.number().int().min(1).max(100_000),
        })
        .default({
          judgment_tolerance: 0.005,
          confidence: 0.95,
          min_fused_agreement: 0.5,
          min_lists: 30,
          max_judged_queries: 1000,
        }),
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
