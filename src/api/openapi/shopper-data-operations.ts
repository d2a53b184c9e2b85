/** Events, shopper data and catalog writes. */
import { productSchema } from '../../catalog/product.ts';
import { eventSchema, MAX_EVENTS_PER_REQUEST } from '../../users/events.ts';
import { MAX_RECORDS_PER_REQUEST } from '../routes/products.ts';
import { anyObject, batchReport, idParam, type Operation, oneOrMany } from './operation.ts';

const EVENT_EXAMPLE = {
  event_id: 'e-1',
  type: 'click',
  session_id: 's-1',
  query_id: '12771211-c704-4e05-b1a4-0e05a559b5ed',
  product_id: 'demo-0027',
  position: 1,
  timestamp: '2025-01-01T12:00:00Z',
};
const PRODUCT_EXAMPLE = {
  id: 'sku-1',
  title: 'Bosch 18V Cordless Drill',
  brand: 'Bosch',
  category: 'Tools > Power Tools > Drills',
  price: 99.5,
  currency: 'USD',
  in_stock: true,
};

export function shopperDataOperations(): Operation[] {
  return [
    {
      method: 'post',
      path: '/v1/events',
      tag: 'events',
      summary: 'Record shopper events (one, a JSON array, or NDJSON)',
      access: 'public',
      body: { schema: oneOrMany(eventSchema, MAX_EVENTS_PER_REQUEST), ndjson: true },
      responses: {
        200: { description: 'All events stored', schema: batchReport },
        207: { description: 'Some events rejected', schema: batchReport },
        422: { description: 'All events rejected', schema: batchReport },
      },
      example: { body: EVENT_EXAMPLE },
    },
    {
      method: 'get',
      path: '/v1/users/:id/profile',
      tag: 'events',
      summary: "A shopper's profile, learned from events",
      access: 'key_when_set',
      params: idParam('id', 'u-42'),
      responses: { 200: { description: 'The profile', schema: anyObject } },
      example: { params: { id: 'u-42' } },
    },
    {
      method: 'get',
      path: '/v1/sessions/:id/profile',
      tag: 'events',
      summary: "An anonymous session's profile, learned from events with only this session_id",
      access: 'key_when_set',
      params: idParam('id', 's-1'),
      responses: { 200: { description: 'The profile (empty without events)', schema: anyObject } },
      example: { params: { id: 's-1' } },
    },
    {
      method: 'delete',
      path: '/v1/users/:id',
      tag: 'events',
      summary: 'Forget a shopper (erasure)',
      access: 'key_when_set',
      params: idParam('id', 'u-42'),
      responses: { 200: { description: 'How many events were removed', schema: anyObject } },
      example: { params: { id: 'u-42' } },
    },
    {
      method: 'post',
      path: '/v1/products',
      tag: 'products',
      summary: 'Add or update products (one, a JSON array, or NDJSON streamed)',
      access: 'key_when_set',
      body: { schema: oneOrMany(productSchema, MAX_RECORDS_PER_REQUEST), ndjson: true },
      responses: {
        200: { description: 'All products stored', schema: batchReport },
        207: { description: 'Some products rejected', schema: batchReport },
        422: { description: 'All products rejected', schema: batchReport },
      },
      example: { body: [PRODUCT_EXAMPLE] },
    },
    {
      method: 'get',
      path: '/v1/products/:id',
      tag: 'products',
      summary: 'One product as stored',
      access: 'public',
      params: idParam('id', 'sku-1'),
      responses: { 200: { description: 'The product', schema: productSchema } },
      example: { params: { id: 'sku-1' } },
    },
    {
      method: 'delete',
      path: '/v1/products/:id',
      tag: 'products',
      summary: 'Delete a product',
      access: 'key_when_set',
      params: idParam('id', 'sku-1'),
      responses: { 204: { description: 'Deleted' } },
      example: { params: { id: 'sku-1' } },
    },
  ];
}
