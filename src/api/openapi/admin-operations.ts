/** The admin API: merchandising, jobs and suggestions. */
import { z } from 'zod';
import { JOB_NAMES } from '../../jobs/job-store.ts';
import { runsQuery } from '../routes/admin.ts';
import { previewBody, validateBody } from '../routes/merchandising.ts';
import { anyObject, idParam, type Operation } from './operation.ts';

export function adminOperations(): Operation[] {
  return [
    {
      method: 'get',
      path: '/v1/admin/merchandising',
      tag: 'merchandising',
      summary: 'The merchandising files in force, with their warnings',
      access: 'admin',
      responses: { 200: { description: 'The report', schema: anyObject } },
      example: {},
    },
    {
      method: 'post',
      path: '/v1/admin/merchandising/validate',
      tag: 'merchandising',
      summary: 'Validate proposed merchandising files',
      access: 'admin',
      body: { schema: validateBody, description: 'File name (rules.yaml, synonyms.txt, ...) to its text' },
      responses: { 200: { description: 'Each file valid, with warnings', schema: anyObject } },
      example: { body: { files: { 'synonyms.txt': 'drill, driver\ncouch, sofa\n' } } },
    },
    {
      method: 'post',
      path: '/v1/admin/merchandising/preview',
      tag: 'merchandising',
      summary: 'Current vs proposed top results per query, with NDCG and click estimates',
      access: 'admin',
      body: { schema: previewBody },
      responses: { 200: { description: 'The preview diff', schema: anyObject } },
      example: { body: { files: {}, queries: ['cordless drill'], size: 5 } },
    },
    {
      method: 'get',
      path: '/v1/admin/jobs',
      tag: 'admin',
      summary: 'Job schedules, last runs and run history',
      access: 'admin',
      query: runsQuery,
      responses: { 200: { description: 'Jobs and runs', schema: anyObject } },
      example: { query: { job: 'suggestions', limit: 5 } },
    },
    {
      method: 'post',
      path: '/v1/admin/jobs/:name/run',
      tag: 'admin',
      summary: 'Run a job now',
      access: 'admin',
      params: z.object({ name: z.enum(JOB_NAMES).meta({ example: 'suggestions' }) }),
      responses: { 202: { description: 'The run started', schema: anyObject } },
      example: { params: { name: 'suggestions' } },
    },
    {
      method: 'delete',
      path: '/v1/admin/suggestions/:text',
      tag: 'admin',
      summary: 'Take a suggestion out of autocomplete',
      access: 'admin',
      params: idParam('text', 'drill bits cheap'),
      responses: { 200: { description: 'Removed', schema: anyObject } },
      example: { params: { text: 'drill bits cheap' } },
    },
  ];
}
