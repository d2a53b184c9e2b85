/**
 * `mappings/attributes.yaml`: which product attributes shoppers can filter and facet on,
 * and how: `terms` (exact values, `filter.color=red`, a facet of values with counts) or
 * `range` (numbers, `filter.screen_size_min=40&filter.screen_size_max=60`, a facet of
 * buckets between `edges`). Attributes not named here are still searchable text and usable
 * in merchandising rules.
 */
import { z } from 'zod';
import type { AttributeFacetSpec } from '../catalog/catalog-query.ts';

/** Names the search API already gives a meaning (facets and filters). */
export const RESERVED_ATTRIBUTE_NAMES = ['brand', 'category', 'price', 'price_min', 'price_max', 'in_stock'];

const attributeSchema = z
  .strictObject({
    type: z.enum(['terms', 'range']).default('terms'),
    /** Shown as a facet with counts (default true). */
    facet: z.boolean().default(true),
    /** Accepted as `filter.<key>` (default true). */
    filter: z.boolean().default(true),
    /** Range facets: ascending bucket edges; [32, 55] gives <32, 32-55, >=55. */
    edges: z
      .array(z.number().finite())
      .min(1)
      .max(20)
      .refine(
        (edges) => edges.every((e, i) => i === 0 || e > edges[i - 1]!),
        'edges must be strictly ascending',
      )
      .optional(),
  })
  .superRefine((value, ctx) => {
    if (value.type === 'range' && value.facet && !value.edges) {
      ctx.addIssue({ code: 'custom', path: ['edges'], message: 'a range facet needs its bucket edges' });
    }
    if (value.type === 'terms' && value.edges) {
      ctx.addIssue({ code: 'custom', path: ['edges'], message: 'edges are for range attributes only' });
    }
  });

export const attributeSettingsSchema = z
  .strictObject({
    attributes: z
      .record(z.string().min(1).max(100), attributeSchema)
      .default({})
      .superRefine((attributes, ctx) => {
        const keys = Object.keys(attributes);
        for (const key of keys) {
          if (RESERVED_ATTRIBUTE_NAMES.includes(key)) {
            ctx.addIssue({
              code: 'custom',
              path: [key],
              message: `"${key}" is a built-in facet or filter; name the attribute differently`,
            });
          }
          const range = attributes[key]!.type === 'range';
          for (const suffix of range ? ['_min', '_max'] : []) {
            if (keys.includes(`${key}${suffix}`)) {
              ctx.addIssue({
                code: 'custom',
                path: [`${key}${suffix}`],
                message: `clashes with the range filter filter.${key}${suffix} of "${key}"`,
              });
            }
          }
        }
      }),
  })
  .default({ attributes: {} });

export type AttributeSettings = z.output<typeof attributeSettingsSchema>;

export type AttributeSetting = AttributeSettings['attributes'][string];

/** The attribute facets declared facetable, as the engines count them. */
export function attributeFacetSpecs(
  settings: AttributeSettings,
  names?: readonly string[],
): AttributeFacetSpec[] {
  return Object.entries(settings.attributes).flatMap(([key, setting]): AttributeFacetSpec[] => {
    if (!setting.facet || (names && !names.includes(key))) return [];
    return setting.type === 'range'
      ? [{ key, kind: 'range', edges: setting.edges! }]
      : [{ key, kind: 'terms' }];
  });
}
