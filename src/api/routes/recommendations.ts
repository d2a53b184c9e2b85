/**
 * Recommendations over HTTP, for product pages and the home page:
 *   GET /v1/products/:id/similar?size=10&filter.in_stock=true&filter.color=red&explain=true
 *   GET /v1/products/:id/bought-together
 *   GET /v1/recommendations?user_id=...|session_id=...
 *   GET /v1/trending?category=Tools
 * The filters are the search's (`filter.<field>`: brand, category, price, in_stock and the
 * filterable attributes of attributes.yaml), validated the same way, so the schemas are
 * built for the attribute settings in force (once per version of the file).
 */
import { type RequestHandler, Router } from 'express';
import { z } from 'zod';
import type { AttributeSettings } from '../../merchandising/attributes.ts';
import type { RecommendationRequest, RecommendationService } from '../../recommend/recommendation-service.ts';
import { invalidRequest, zodDetails } from '../errors.ts';
import { decodablePathParams } from '../path-params.ts';
import {
  checkFilterRanges,
  filterQueryShape,
  queryStringBody,
  searchFiltersSchema,
  wireFilters,
} from '../search-params.ts';

export const MAX_RECOMMENDATIONS = 50;

const identifier = z.string().trim().min(1).max(256);
const categoryParam = z.string().trim().min(1).max(500);

const size = z
  .number()
  .int()
  .min(1)
  .max(MAX_RECOMMENDATIONS, `size must be at most ${MAX_RECOMMENDATIONS}`)
  .default(10);
const explain = z.boolean().default(false);

function buildSchemas(attributes: AttributeSettings) {
  const filters = searchFiltersSchema(attributes);
  const common = { size, explain, filters };
  const ranges = (value: { filters: Record<string, unknown> }, ctx: z.RefinementCtx) =>
    checkFilterRanges(value.filters, attributes, ctx);
  return {
    product: z.strictObject(common).superRefine(ranges),
    feed: z
      .strictObject({ ...common, user_id: identifier.optional(), session_id: identifier.optional() })
      .superRefine(ranges),
    trending: z.strictObject({ ...common, category: categoryParam.optional() }).superRefine(ranges),
  };
}

type Schemas = ReturnType<typeof buildSchemas>;

/** One set of schemas per version of attributes.yaml (a reload makes a new settings object). */
const schemas = new WeakMap<AttributeSettings, Schemas>();

function schemasFor(attributes: AttributeSettings): Schemas {
  let built = schemas.get(attributes);
  if (!built) {
    built = buildSchemas(attributes);
    schemas.set(attributes, built);
  }
  return built;
}

/** A route's query string as the OpenAPI description shows it: each filter as `filter.<field>`. */
function queryParameters(attributes: AttributeSettings, extra: Record<string, z.ZodType>): z.ZodObject {
  const filterShape = searchFiltersSchema(attributes).unwrap().shape as Record<string, z.ZodType>;
  const filterParams = Object.fromEntries(
    Object.entries(filterShape).map(([field, schema]) => [`filter.${field}`, schema]),
  );
  return z.strictObject({ size, explain, ...extra, ...filterParams });
}

/** The query parameters of the recommendation routes (for the OpenAPI description). */
export function recommendationQueries(attributes: AttributeSettings) {
  return {
    product: queryParameters(attributes, {}),
    feed: queryParameters(attributes, { user_id: identifier.optional(), session_id: identifier.optional() }),
    trending: queryParameters(attributes, { category: categoryParam.optional() }),
  };
}

function parse<S extends z.ZodType>(
  schema: S,
  attributes: AttributeSettings,
  query: unknown,
  scalars: string[],
  text: string[],
): z.output<S> {
  const body = queryStringBody(query as Record<string, unknown>, {
    scalars: new Set(scalars),
    text: new Set(text),
    ...filterQueryShape(attributes),
  });
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw invalidRequest(zodDetails(parsed.error));
  return parsed.data;
}

function recommendationRequest(
  parsed: z.output<Schemas['product']>,
  attributes: AttributeSettings,
): RecommendationRequest {
  return { size: parsed.size, explain: parsed.explain, filters: wireFilters(parsed.filters, attributes) };
}

export function recommendationRoutes(
  recommendations: RecommendationService,
  options: { guard: RequestHandler; attributes: () => AttributeSettings },
): Router {
  const router = Router();
  router.use(decodablePathParams(['/v1/products/:id/similar', '/v1/products/:id/bought-together']));
  router.get<{ id: string }>('/v1/products/:id/similar', options.guard, async (req, res) => {
    const attributes = options.attributes();
    const parsed = parse(schemasFor(attributes).product, attributes, req.query, ['size', 'explain'], []);
    res.json(await recommendations.similar(req.params.id, recommendationRequest(parsed, attributes)));
  });
  router.get<{ id: string }>('/v1/products/:id/bought-together', options.guard, async (req, res) => {
    const attributes = options.attributes();
    const parsed = parse(schemasFor(attributes).product, attributes, req.query, ['size', 'explain'], []);
    res.json(await recommendations.boughtTogether(req.params.id, recommendationRequest(parsed, attributes)));
  });
  router.get('/v1/recommendations', options.guard, async (req, res) => {
    const attributes = options.attributes();
    const parsed = parse(
      schemasFor(attributes).feed,
      attributes,
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
        recommendationRequest(parsed, attributes),
      ),
    );
  });
  router.get('/v1/trending', options.guard, async (req, res) => {
    const attributes = options.attributes();
    const parsed = parse(
      schemasFor(attributes).trending,
      attributes,
      req.query,
      ['size', 'explain', 'category'],
      ['category'],
    );
    const category = parsed.category
      ?.split('>')
      .map((s) => s.trim())
      .join(' > ');
    res.json(await recommendations.trending(category, recommendationRequest(parsed, attributes)));
  });
  return router;
}
