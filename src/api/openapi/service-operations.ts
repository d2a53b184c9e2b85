/** Probes, metrics, this description and the pages. */
import { PAGE_PATHS } from '../pages.ts';
import { anyObject, type Operation } from './operation.ts';

export function serviceOperations(): Operation[] {
  const pages: Operation[] = PAGE_PATHS.map((path) => ({
    method: 'get',
    path,
    tag: 'pages',
    summary: `The ${path === '/' ? 'search' : path.slice(1)} page (HTML)`,
    access: 'public',
    responses: { 200: { description: 'The page', contentType: 'text/html' } },
  }));
  return [
    {
      method: 'get',
      path: '/healthz',
      tag: 'operations',
      summary: 'Liveness',
      access: 'public',
      responses: { 200: { description: 'Alive', schema: anyObject } },
      example: {},
    },
    {
      method: 'get',
      path: '/readyz',
      tag: 'operations',
      summary: 'Readiness (503 while the backend is unreachable or the service drains)',
      access: 'public',
      responses: { 200: { description: 'Ready', schema: anyObject } },
      example: {},
    },
    {
      method: 'get',
      path: '/metrics',
      tag: 'operations',
      summary: 'Prometheus metrics',
      access: 'public',
      responses: { 200: { description: 'Prometheus text format', contentType: 'text/plain' } },
      example: {},
    },
    {
      method: 'get',
      path: '/openapi.json',
      tag: 'operations',
      summary: 'This description',
      access: 'public',
      responses: { 200: { description: 'OpenAPI 3.1', schema: anyObject } },
      example: {},
    },
    ...pages,
  ];
}
