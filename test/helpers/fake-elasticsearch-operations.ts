/**
 * What the fake cluster does beyond documents: the operational faults a real cluster shows
 * (slow requests against the client's own timeout, request-level 429s), search contexts
 * that expire (scroll and point in time), and index auto-creation on a write to a missing
 * index, which applies the matching index templates as Elasticsearch does and otherwise
 * maps fields dynamically.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { errors, type estypes } from '@elastic/elasticsearch';
import type { StoredDocument } from './fake-elasticsearch-search.ts';

export interface RequestLine {
  method: string;
  path: string;
}

/** A connection class (the mock's) whose requests can take `latency(request)` ms: beyond the client's timeout they time out. */
export function slowConnection<
  T extends new (
    ...args: never[]
  ) => { request(...args: never[]): Promise<unknown> },
>(Base: T, latency: () => ((request: RequestLine) => number) | undefined): T {
  // @ts-expect-error a mixin over the mock's connection class, whose constructor it keeps
  return class SlowConnection extends Base {
    /** Nothing to close (the base class insists on an implementation). */
    async close(): Promise<void> {}

    override async request(params: RequestLine, options: { timeout?: number }): Promise<unknown> {
      const delayMs = latency()?.({ method: params.method, path: params.path }) ?? 0;
      const run = () => (super.request as (p: unknown, o: unknown) => Promise<unknown>)(params, options);
      if (delayMs <= 0) return run();
      const timeoutMs = options.timeout ?? Number.POSITIVE_INFINITY;
      if (delayMs > timeoutMs) {
        // The cluster still does the work; the client gives up waiting for its answer.
        run().catch(() => undefined);
        await sleep(timeoutMs);
        throw new errors.TimeoutError('Request timed out');
      }
      await sleep(delayMs);
      return run();
    }
  };
}

interface SearchContext {
  documents: StoredDocument[];
  /** Scroll only: the hits not yet returned, and the request that made the context. */
  remaining?: StoredDocument[];
  expired: boolean;
}

/** Scroll contexts and points in time, by id; a test expires them all (a keep-alive that ran out). */
export class SearchContexts {
  private readonly contexts = new Map<string, SearchContext>();
  private next = 0;
  /** Contexts opened so far, expired or not. */
  opened = 0;

  open(documents: StoredDocument[], remaining?: StoredDocument[]): string {
    const id = `ctx-${++this.next}`;
    this.opened++;
    this.contexts.set(id, { documents, ...(remaining && { remaining }), expired: false });
    return id;
  }

  /** The context, or the 404 Elasticsearch answers for an expired or unknown one. */
  get(id: string): SearchContext | errors.ResponseError {
    const context = this.contexts.get(id);
    if (!context || context.expired) {
      return new errors.ResponseError({
        body: {
          error: {
            type: 'search_phase_execution_exception',
            reason: 'all shards failed',
            root_cause: [
              { type: 'search_context_missing_exception', reason: `No search context found for id [${id}]` },
            ],
          },
          status: 404,
        },
        statusCode: 404,
        headers: {},
        warnings: [],
        meta: {} as never,
      });
    }
    return context;
  }

  close(id: string): boolean {
    return this.contexts.delete(id);
  }

  /** As if every keep-alive ran out now (the consumer took longer than it between two pages). */
  expireAll(): void {
    for (const context of this.contexts.values()) context.expired = true;
  }

  get live(): number {
    return [...this.contexts.values()].filter((c) => !c.expired).length;
  }
}

export interface IndexTemplate {
  index_patterns: string[];
  priority?: number;
  template?: { settings?: Record<string, unknown>; mappings?: estypes.MappingTypeMapping };
}

/** The mappings an index auto-created under `name` gets: the highest-priority matching template's, else dynamic. */
export function autoCreatedMappings(
  templates: ReadonlyMap<string, IndexTemplate>,
  name: string,
): { mappings: estypes.MappingTypeMapping; template?: string } {
  const matching = [...templates]
    .filter(([, t]) => t.index_patterns.some((pattern) => wildcard(pattern).test(name)))
    .sort(([, a], [, b]) => (b.priority ?? 0) - (a.priority ?? 0));
  const [chosen] = matching;
  if (!chosen) return { mappings: { dynamic: true, properties: {} } };
  return { mappings: chosen[1].template?.mappings ?? {}, template: chosen[0] };
}

function wildcard(pattern: string): RegExp {
  return new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
}
