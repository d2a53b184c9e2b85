/**
 * `mappings/rules.yaml`: merchandising rules, the levers a marketer pulls on the results of
 * particular searches. Each rule has conditions (`when`: the query and/or the browse
 * context), consequences (pin, hide, boost, bury, a forced filter, a query rewrite, a
 * redirect) and an optional campaign window (`active`). This file holds the schema; the
 * compiled, indexed form is rule-book.ts and what a search does with it is plan.ts.
 */
import { z } from 'zod';
import type { AttributeFilter, SearchFilters } from '../catalog/catalog-query.ts';
import { textWords } from './synonyms.ts';

/** Pins go on the first page: no page holds more than this many hits (the API's largest `size`). */
export const MAX_PIN_POSITION = 100;
/** Enough for any shop's rule set while the rules stage stays far under a millisecond. */
export const MAX_RULES = 10_000;

const oneOrMore = (item: z.ZodString) =>
  z.union([item, z.array(item).min(1).max(200)]).transform((v) => (Array.isArray(v) ? v : [v]));

const text = z.string().trim().min(1).max(200);

const phrase = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .refine((value) => textWords(value).length > 0, 'must hold at least one word (letters or digits)');

const range = z
  .strictObject({ min: z.number().finite().optional(), max: z.number().finite().optional() })
  .refine((r) => r.min !== undefined || r.max !== undefined, 'give min, max or both')
  .refine((r) => r.min === undefined || r.max === undefined || r.min <= r.max, 'min must not exceed max');

const attributeCondition = z.union([
  z.union([z.string().min(1).max(1000), z.number(), z.boolean()]).transform((v) => ({ values: [String(v)] })),
  z
    .array(z.union([z.string().min(1).max(1000), z.number(), z.boolean()]))
    .min(1)
    .max(200)
    .transform((v) => ({ values: v.map(String) })),
  range,
]);

/** Which products a hide, boost, bury or forced filter is about; every field given must hold. */
export const ruleFilterSchema = z
  .strictObject({
    brand: oneOrMore(text).optional(),
    category: oneOrMore(text).optional(),
    price: range.optional(),
    in_stock: z.boolean().optional(),
    /** Days since the product's `created_at`: `{max: 30}` is new this month, `{min: 365}` a year old or more. */
    age_days: range.optional(),
    attributes: z.record(z.string().min(1).max(100), attributeCondition).optional(),
  })
  .refine((f) => Object.values(f).some((v) => v !== undefined), 'a filter needs at least one field');

export type RuleFilter = z.output<typeof ruleFilterSchema>;

const queryCondition = z
  .strictObject({
    exact: oneOrMore(phrase).optional(),
    contains: oneOrMore(phrase).optional(),
    prefix: oneOrMore(phrase).optional(),
    /** Any search with text. */
    any: z.literal(true).optional(),
  })
  .refine((q) => q.exact || q.contains || q.prefix || q.any, 'give exact, contains, prefix or any: true');

/** The search's own filters that a rule can ask for (the browse context besides the category). */
const contextFilters = z
  .strictObject({
    brand: oneOrMore(text).optional(),
    in_stock: z.boolean().optional(),
    attributes: z.record(z.string().min(1).max(100), oneOrMore(z.string().min(1).max(1000))).optional(),
  })
  .refine((f) => Object.values(f).some((v) => v !== undefined), 'give brand, in_stock or attributes');

const whenSchema = z
  .strictObject({
    query: queryCondition.optional(),
    /** The search is filtered to this category path (or one below it). */
    category: oneOrMore(text).optional(),
    /** The search's filters include these. */
    filters: contextFilters.optional(),
  })
  .refine((w) => w.query || w.category || w.filters, 'give a query condition, a category or filters');

const timestamp = z.iso.datetime({
  offset: true,
  error: 'must be a date and time with a time zone, e.g. 2026-03-01T00:00:00+01:00',
});

const factor = (check: (n: number) => boolean, message: string) => z.number().finite().refine(check, message);

const adjustment = (kind: 'boost' | 'bury') =>
  z.strictObject({
    filter: ruleFilterSchema,
    factor:
      kind === 'boost'
        ? factor(
            (n) => n > 1 && n <= 100,
            'a boost factor is above 1 and at most 100 (2 doubles the relevance)',
          )
        : factor((n) => n > 0 && n < 1, 'a bury factor is between 0 and 1 (0.5 halves the relevance)'),
  });

const productId = z.string().trim().min(1).max(256);

export const ruleSchema = z
  .strictObject({
    id: z
      .string()
      .regex(
        /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/,
        'letters, digits, "_", "-" and "." only, starting with a letter or digit',
      ),
    description: z.string().max(1000).optional(),
    /** Higher goes first when rules conflict; equal priorities go in file order. */
    priority: z.number().int().min(-1000).max(1000).default(0),
    enabled: z.boolean().default(true),
    when: whenSchema,
    active: z
      .strictObject({ from: timestamp.optional(), until: timestamp.optional() })
      .refine((a) => a.from || a.until, 'give from, until or both')
      .refine((a) => !a.from || !a.until || Date.parse(a.until) > Date.parse(a.from), {
        message: 'until must be after from',
        path: ['until'],
      })
      .optional(),
    pin: z
      .array(
        z.strictObject({
          id: productId,
          position: z
            .number()
            .int()
            .min(1, 'positions start at 1')
            .max(MAX_PIN_POSITION, `a pin goes on the first page: position 1 to ${MAX_PIN_POSITION}`),
        }),
      )
      .min(1)
      .max(MAX_PIN_POSITION)
      .superRefine((pins, ctx) => {
        for (const [i, pin] of pins.entries()) {
          if (pins.findIndex((p) => p.position === pin.position) < i)
            ctx.addIssue({
              code: 'custom',
              path: [i, 'position'],
              message: `position ${pin.position} is pinned twice`,
            });
          if (pins.findIndex((p) => p.id === pin.id) < i)
            ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `"${pin.id}" is pinned twice` });
        }
      })
      .optional(),
    hide: z
      .strictObject({
        ids: z.array(productId).min(1).max(1000).optional(),
        filter: ruleFilterSchema.optional(),
      })
      .refine((h) => h.ids || h.filter, 'give ids, a filter or both')
      .optional(),
    boost: z.array(adjustment('boost')).min(1).max(20).optional(),
    bury: z.array(adjustment('bury')).min(1).max(20).optional(),
    /** Only products passing this filter are searched. */
    filter: ruleFilterSchema.optional(),
    rewrite: z
      .strictObject({
        /** Words (or phrases) of the query replaced: `{ tv: television }`. */
        replace: z.record(phrase, z.string().trim().max(200)).optional(),
        /** Words added to the query. */
        add: z.array(phrase).min(1).max(20).optional(),
        /** Words taken out of the query. */
        remove: z.array(phrase).min(1).max(20).optional(),
      })
      .refine((r) => r.replace || r.add || r.remove, 'give replace, add or remove')
      .optional(),
    /** A page the shop sends the shopper to (returned in the response; the results are still there). */
    redirect: z
      .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
      .max(2000)
      .optional(),
  })
  .refine(
    (r) => r.pin || r.hide || r.boost || r.bury || r.filter || r.rewrite || r.redirect,
    'a rule needs a consequence: pin, hide, boost, bury, filter, rewrite or redirect',
  );

export const rulesFileSchema = z
  .strictObject({
    rules: z
      .array(ruleSchema)
      .max(MAX_RULES)
      .default([])
      .superRefine((rules, ctx) => {
        const seen = new Set<string>();
        for (const [i, rule] of rules.entries()) {
          if (seen.has(rule.id))
            ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate rule id "${rule.id}"` });
          seen.add(rule.id);
        }
      }),
  })
  .default({ rules: [] });

export type RuleDefinition = z.output<typeof ruleSchema>;
export type RulesFile = z.output<typeof rulesFileSchema>;

const DAY_MS = 86_400_000;

/** A rule filter as search filters; product age is turned into `created_at` bounds as of `now`. */
export function toSearchFilters(filter: RuleFilter, now: number): SearchFilters {
  const out: SearchFilters = {};
  if (filter.brand) out.brand = filter.brand;
  if (filter.category)
    out.category = filter.category.map((c) =>
      c
        .split('>')
        .map((s) => s.trim())
        .join(' > '),
    );
  if (filter.price?.min !== undefined) out.priceMin = filter.price.min;
  if (filter.price?.max !== undefined) out.priceMax = filter.price.max;
  if (filter.in_stock !== undefined) out.inStock = filter.in_stock;
  if (filter.age_days?.max !== undefined)
    out.createdFrom = new Date(now - filter.age_days.max * DAY_MS).toISOString();
  if (filter.age_days?.min !== undefined)
    out.createdTo = new Date(now - filter.age_days.min * DAY_MS).toISOString();
  if (filter.attributes) out.attributes = filter.attributes as Record<string, AttributeFilter>;
  return out;
}
