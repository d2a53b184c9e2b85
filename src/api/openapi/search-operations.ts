/** The shopper-facing reads: search, suggest and recommendations. */
import { z } from 'zod';
import type { AttributeSettings } from '../../merchandising/attributes.ts';
import { recommendationQueries } from '../routes/recommendations.ts';
import { suggestQuery } from '../routes/suggest.ts';
import { searchBodySchema, searchQueryParameters } from '../search-params.ts';
import { idParam, type Operation } from './operation.ts';

const searchResponse = z
  .looseObject({
    query_id: z.string().nullable().meta({ description: 'Send it with the events of this result list.' }),
    q: z.string(),
    total: z.number().int(),
    page: z.number().int(),
    size: z.number().int(),
    hits: z.array(
      z.looseObject({ id: z.string(), score: z.number(), product: z.looseObject({ id: z.string() }) }),
    ),
    facets: z.record(z.string(), z.array(z.looseObject({ count: z.number().int() }))),
    did_you_mean: z.string().optional(),
  })
  .meta({ id: 'SearchResponse', description: 'Fields in full: docs/api.md.' });

const suggestResponse = z
  .object({
    q: z.string(),
    suggestions: z.array(z.object({ text: z.string(), source: z.string() })),
    took_ms: z.number(),
  })
  .meta({ id: 'SuggestResponse' });

const recommendationResponse = z
  .looseObject({
    kind: z.enum(['similar', 'bought_together', 'feed', 'trending']),
    strategy: z.string(),
    hits: z.array(
      z.looseObject({ id: z.string(), score: z.number(), product: z.looseObject({ id: z.string() }) }),
    ),
  })
  .meta({ id: 'RecommendationResponse', description: 'Fields in full: docs/api.md, Recommendations.' });

const SEARCH_EXAMPLE = { q: 'cordless drill', 'filter.brand': ['Bosch'], size: 5, sort: 'relevance' };

export function searchOperations(attributes: AttributeSettings): Operation[] {
  const searchBody = searchBodySchema(attributes);
  return [
    {
      method: 'get',
      path: '/v1/search',
      tag: 'search',
      summary: 'Search the catalog (query string)',
      access: 'public',
      query: searchQueryParameters(attributes),
      responses: { 200: { description: 'One page of ranked results with facets', schema: searchResponse } },
      example: { query: SEARCH_EXAMPLE },
    },
    {
      method: 'post',
      path: '/v1/search',
      tag: 'search',
      summary: 'Search the catalog (JSON body)',
      access: 'public',
      body: { schema: searchBody },
      responses: { 200: { description: 'One page of ranked results with facets', schema: searchResponse } },
      example: { body: { q: 'cordless drill', filters: { brand: ['Bosch'], price_max: 200 }, size: 5 } },
    },
    {
      method: 'get',
      path: '/v1/suggest',
      tag: 'search',
      summary: 'Autocomplete a prefix',
      access: 'public',
      query: suggestQuery,
      responses: { 200: { description: 'Suggestions, best first', schema: suggestResponse } },
      example: { query: { q: 'dril', size: 5 } },
    },
    {
      method: 'get',
      path: '/v1/products/:id/similar',
      tag: 'recommendations',
      summary: 'Products like this one: vector neighbours blended with co-clicks, diversified',
      access: 'public',
      params: idParam('id', 'sku-1'),
      query: recommendationQueries(attributes).product,
      responses: { 200: { description: 'Similar products, best first', schema: recommendationResponse } },
      example: { params: { id: 'sku-1' }, query: { size: 5, 'filter.in_stock': true } },
    },
    {
      method: 'get',
      path: '/v1/products/:id/bought-together',
      tag: 'recommendations',
      summary: 'Products bought with this one; complementary, then sibling, categories when thin',
      access: 'public',
      params: idParam('id', 'sku-1'),
      query: recommendationQueries(attributes).product,
      responses: {
        200: { description: 'Products bought together, best first', schema: recommendationResponse },
      },
      example: { params: { id: 'sku-1' }, query: { size: 5 } },
    },
    {
      method: 'get',
      path: '/v1/recommendations',
      tag: 'recommendations',
      summary: "A home feed from the user's and the session's profile (trending for a new shopper)",
      access: 'public',
      query: recommendationQueries(attributes).feed,
      responses: { 200: { description: 'The feed', schema: recommendationResponse } },
      example: { query: { session_id: 's-1', size: 5 } },
    },
    {
      method: 'get',
      path: '/v1/trending',
      tag: 'recommendations',
      summary: 'Trending products, for the catalog or one category',
      access: 'public',
      query: recommendationQueries(attributes).trending,
      responses: { 200: { description: 'Trending products', schema: recommendationResponse } },
      example: { query: { category: 'Tools', size: 5 } },
    },
  ];
}
