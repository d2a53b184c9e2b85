/**
 * Compares the mapping the service expects with the live one of the serving index. A
 * difference that changes what queries mean (a field's type, analyzer, vector size or
 * similarity, the embedder) is a conflict: the service refuses to start and says which
 * field differs, instead of answering wrong results.
 */
import type { estypes } from '@elastic/elasticsearch';
import { ServiceError } from '../../main/errors.ts';

/** Attributes whose change breaks queries or scores, with the value Elasticsearch omits when it is the default. */
const COMPARED_ATTRIBUTES: Record<string, unknown> = {
  type: undefined,
  analyzer: undefined,
  search_analyzer: undefined,
  normalizer: undefined,
  dims: undefined,
  similarity: undefined,
  element_type: 'float',
  index: true,
  enabled: true,
};

type PropertyMap = Record<string, estypes.MappingProperty>;

function attributesOf(property: estypes.MappingProperty): Record<string, unknown> {
  const attributes = property as Record<string, unknown>;
  // Object fields come back without a type.
  return attributes.type === undefined ? { ...attributes, type: 'object' } : attributes;
}

/** Object properties or multi-field sub-fields (not every property kind declares them). */
function childrenOf(
  property: estypes.MappingProperty,
  key: 'properties' | 'fields',
): PropertyMap | undefined {
  return (property as estypes.MappingPropertyBase)[key];
}

function show(value: unknown): string {
  return value === undefined ? 'not set' : JSON.stringify(value);
}

function compareProperties(
  expected: PropertyMap,
  live: PropertyMap,
  prefix: string,
  conflicts: string[],
): void {
  for (const [name, expectedProperty] of Object.entries(expected)) {
    const field = `${prefix}${name}`;
    const liveProperty = live[name];
    if (!liveProperty) {
      conflicts.push(`field "${field}" is missing from the index`);
      continue;
    }
    const want = attributesOf(expectedProperty);
    const have = attributesOf(liveProperty);
    let differs = false;
    for (const [attribute, fallback] of Object.entries(COMPARED_ATTRIBUTES)) {
      if (!(attribute in want)) continue;
      const wanted = want[attribute];
      const actual = have[attribute] ?? fallback;
      if (JSON.stringify(wanted) !== JSON.stringify(actual)) {
        conflicts.push(
          `field "${field}": ${attribute} is ${show(actual)} in the index but ${show(wanted)} is expected`,
        );
        differs = true;
      }
    }
    if (differs) continue; // sub-fields of a field whose type changed say nothing new
    for (const nested of ['properties', 'fields'] as const) {
      const wanted = childrenOf(expectedProperty, nested);
      if (wanted) compareProperties(wanted, childrenOf(liveProperty, nested) ?? {}, `${field}.`, conflicts);
    }
  }
}

/** Plain-words differences between the expected and the live mapping; empty when they agree. */
export function findMappingConflicts(
  expected: estypes.MappingTypeMapping,
  live: estypes.MappingTypeMapping,
): string[] {
  const conflicts: string[] = [];
  const wantedEmbedder = expected._meta?.embedder;
  const liveEmbedder = live._meta?.embedder;
  if (wantedEmbedder !== undefined && liveEmbedder !== wantedEmbedder) {
    conflicts.push(
      `the vectors were made by embedder ${show(liveEmbedder)} but the service is configured with ${show(wantedEmbedder)}`,
    );
  }
  compareProperties(expected.properties ?? {}, live.properties ?? {}, '', conflicts);
  return conflicts;
}

export class MappingConflictError extends ServiceError {
  constructor(
    readonly alias: string,
    readonly conflicts: string[],
  ) {
    super(
      'index_conflict',
      `the Elasticsearch index behind alias "${alias}" does not match mappings/elasticsearch:\n` +
        conflicts.map((c) => `  - ${c}`).join('\n') +
        '\nRun a reindex (it builds a new versioned index from the current mappings and swaps the alias), ' +
        'or set ELASTICSEARCH_INDEX to a new alias and ingest the catalog again.',
    );
  }
}
