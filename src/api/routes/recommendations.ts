/**
 * Recommendations over HTTP, for product pages and the home page:
 *   GET /v1/products/:id/similar?size=10&filter.in_stock=true&explain=true
 *   GET /v1/products/:id/bought-together
 *   GET /v1/recommendations?user_id=...|session_id=...
 *   GET /v1/trending?category=Tools
 * The filters are the search's built-in filters (`filter.<field>`: brand, category, price,
 * in_stock), validated the same way; attribute filters are search-only (unknown_filter here).
 */
import { type RequestHandler, Router } from 'express';
import { z } from 'zod';
import type { RecommendationRequest, RecommendationService } from '../../recommend/recommendation-service.ts';
import { invalidRequest, zodDetails } from '../errors.ts';
import { decodablePathParams } from '../path-params.ts';
import { BUILT_IN_FILTER_FIELDS, filtersSchema, queryStringBody, toSearchFilters } from '../search-params.ts';

export const MAX_RECOMMENDATIONS = 50;

const identifier = z.string().trim().min(1).max(256);

const common = {
  size: z
    .number()
    .int()
    .min(1)
    .max(MAX_RECOMMENDATIONS, `size must be at most ${MAX_RECOMMENDATIONS}`)
    .default(10),
  explain: z.boolean().default(false),
  filters: filtersSchema,
};

function priceRange(
  value: { filters: { price_min?: number; price_max?: number } },
  ctx: z.RefinementCtx,
): void {
  const { price_min, price_max } = value.filters;
  if (price_min !== undefined && price_max !== undefined && price_min > price_max)
    ctx.addIssue({
      code: 'custom',
      path: ['filters', 'price_min'],
      message: 'price_min must not exceed price_max',
    });
}

const categoryParam = z.string().trim().min(1).max(500);

const productListSchema = z.strictObject(common).superRefine(priceRange);
const feedSchema = z
  .strictObject({ ...common, user_id: identifier.optional(), session_id: identifier.optional() })
  .superRefine(priceRange);
const trendingSchema = z
  .strictObject({ ...common, category: categoryParam.optional() })
  .superRefine(priceRange);

/** A route's query string as the OpenAPI description shows it: each filter as `filter.<field>`. */
function queryParameters(extra: Record<string, z.ZodType>): z.ZodObject {
  const filterParams = Object.fromEntries(
    Object.entries(filtersSchema.unwrap().shape).map(([field, schema]) => [`filter.${field}`, schema]),
  );
  return z.strictObject({ size: common.size, explain: common.explain, ...extra, ...filterParams });
}

/** The query parameters of the recommendation routes (for the OpenAPI description). */
export const recommendationQueries = {
  product: queryParameters({}),
  feed: queryParameters({ user_id: identifier.optional(), session_id: identifier.optional() }),
  trending: queryParameters({ category: categoryParam.optional() }),
};

function parse<S extends z.ZodType>(
  schema: S,
  query: unknown,
  scalars: string[],
  text: string[],
): z.output<S> {
  const body = queryStringBody(query as Record<string, unknown>, {
    scalars: new Set(scalars),
    text: new Set(text),
    ...BUILT_IN_FILTER_FIELDS,
  });
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw invalidRequest(zodDetails(parsed.error));
  return parsed.data;
}

function recommendationRequest(parsed: z.output<typeof productListSchema>): RecommendationRequest {
  return { size: parsed.size, explain: parsed.explain, filters: toSearchFilters(parsed.filters) };
}

export function recommendationRoutes(
  recommendations: RecommendationService,
  options: { guard: RequestHandler },
): Router {
  const router = Router();
  router.use(decodablePathParams(['/v1/products/:id/similar', '/v1/products/:id/bought-together']));
  router.get<{ id: string }>('/v1/products/:id/similar', options.guard, async (req, res) => {
    const parsed = parse(productListSchema, req.query, ['size', 'explain'], []);
    res.json(await recommendations.similar(req.params.id, recommendationRequest(parsed)));
  });
  router.get<{ id: string }>('/v1/products/:id/bought-together', options.guard, async (req, res) => {
    const parsed = parse(productListSchema, req.query, ['size', 'explain'], []);
    res.json(await recommendations.boughtTogether(req.params.id, recommendationRequest(parsed)));
  });
  router.get('/v1/recommendations', options.guard, async (req, res) => {
    const parsed = parse(
      feedSchema,
      req.query,
      ['size', 'explain', 'user_id', 'session_id'],
      ['user_id', 'session_id'],
    );
    res.json(
      await recommendations.feed(
        {
          ...(parsed.user_id && { userId: parsed.user_id }),
          ...(parsed.session_id && { sessionId: parsed.session_id }),
        },
        recommendationRequest(parsed),
      ),
    );
  });
  router.get('/v1/trending', options.guard, async (req, res) => {
    const parsed = parse(trendingSchema, req.query, ['size', 'explain', 'category'], ['category']);
    const category = parsed.category
      ?.split('>')
      .map((s) => s.trim())
      .join(' > ');
    res.json(await recommendations.trending(category, recommendationRequest(parsed)));
  });
  return router;
}
