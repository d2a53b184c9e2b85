/** The console's admin API: the model registry, the mappings files, live quality. */
import {
  checkMappingsBody,
  mappingsFileParams,
  saveMappingsBody,
  undoMappingsBody,
} from '../routes/mappings-files.ts';
import { modelVersionParams } from '../routes/models.ts';
import { anyObject, errorResponse, type Operation } from './operation.ts';

const STALE = '0000000000000000';
const conflict = {
  description: 'The file changed since base_version was read: read it again (code version_conflict)',
  schema: errorResponse,
};

export function consoleOperations(): Operation[] {
  return [
    {
      method: 'get',
      path: '/v1/admin/models',
      tag: 'models',
      summary: 'Ranker and encoder versions: metrics, gate numbers, segments served, which one serves',
      access: 'admin',
      responses: { 200: { description: 'The registry', schema: anyObject } },
      example: {},
    },
    {
      method: 'post',
      path: '/v1/admin/models/:version/promote',
      tag: 'models',
      summary: 'Serve this ranker version (the serving one goes onto the rollback history)',
      access: 'admin',
      params: modelVersionParams,
      responses: {
        200: { description: 'The registry state after the change', schema: anyObject },
        404: { description: 'No such version (the message lists the saved ones)', schema: errorResponse },
        422: {
          description: 'The version’s files fail their check (code invalid_model)',
          schema: errorResponse,
        },
      },
      example: { params: { version: 'ranker-20250101T120000Z' } },
    },
    {
      method: 'post',
      path: '/v1/admin/models/rollback',
      tag: 'models',
      summary: 'Serve the previously serving ranker version again',
      access: 'admin',
      responses: {
        200: { description: 'The registry state after the change', schema: anyObject },
        409: {
          description: 'Nothing serves and nothing served before (code version_conflict)',
          schema: errorResponse,
        },
      },
      example: {},
    },
    {
      method: 'get',
      path: '/v1/admin/mappings',
      tag: 'mappings',
      summary: 'The editable mappings files with their versions and history',
      access: 'admin',
      responses: { 200: { description: 'The files', schema: anyObject } },
      example: {},
    },
    {
      method: 'get',
      path: '/v1/admin/mappings/:file',
      tag: 'mappings',
      summary: 'One file: text, version (also the ETag), earlier versions',
      access: 'admin',
      params: mappingsFileParams,
      responses: { 200: { description: 'The file', schema: anyObject } },
      example: { params: { file: 'rules.yaml' } },
    },
    {
      method: 'post',
      path: '/v1/admin/mappings/:file/check',
      tag: 'mappings',
      summary: 'Check a proposed text with the file’s schema: problems at line and column',
      access: 'admin',
      params: mappingsFileParams,
      body: { schema: checkMappingsBody },
      responses: { 200: { description: 'valid, and each problem', schema: anyObject } },
      example: { params: { file: 'synonyms.txt' }, body: { text: 'drill, driver\n' } },
    },
    {
      method: 'put',
      path: '/v1/admin/mappings/:file',
      tag: 'mappings',
      summary:
        'Save a file edited from base_version, and apply it at once (the replaced version is kept for undo)',
      access: 'admin',
      params: mappingsFileParams,
      body: { schema: saveMappingsBody },
      responses: { 200: { description: 'The file as saved', schema: anyObject }, 409: conflict },
      example: { params: { file: 'synonyms.txt' }, body: { text: 'drill, driver\n', base_version: STALE } },
    },
    {
      method: 'post',
      path: '/v1/admin/mappings/:file/undo',
      tag: 'mappings',
      summary: 'Undo the last save of a file (restores the version it replaced) and apply it',
      access: 'admin',
      params: mappingsFileParams,
      body: { schema: undoMappingsBody },
      responses: { 200: { description: 'The file as restored', schema: anyObject }, 409: conflict },
      example: { params: { file: 'synonyms.txt' }, body: { base_version: STALE } },
    },
    {
      method: 'get',
      path: '/v1/admin/quality',
      tag: 'models',
      summary:
        'Live ranking quality series (searches, zero results, latency, CTR, first-click MRR, purchases), top queries and zero-result queries',
      access: 'admin',
      responses: {
        200: {
          description:
            'Series, the current window, top_queries (top 20: text, searches, zero_result_share) and zero_result_queries (top 20: text, zero_result_searches, searches) of the last hour or two, in memory only (query_window)',
          schema: anyObject,
        },
      },
      example: {},
    },
  ];
}
