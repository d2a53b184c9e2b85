/**
 * The admin API as the console uses it: the key the merchandiser entered (kept in this
 * tab's sessionStorage only, gone when the tab closes) sent as `X-API-Key`, and the shapes
 * of the answers the console reads.
 */
import { getJson, RequestFailed, sendJson } from '../api.ts';

const KEY_ITEM = 'console.admin_key';

export const adminKey = {
  get: (): string => sessionStorage.getItem(KEY_ITEM) ?? '',
  set: (key: string) => sessionStorage.setItem(KEY_ITEM, key),
  clear: () => sessionStorage.removeItem(KEY_ITEM),
};

const headers = () => ({ 'X-API-Key': adminKey.get() });

export const adminGet = <T>(url: string) => getJson<T>(url, { headers: headers() });
export const adminSend = <T>(url: string, method: string, body: unknown) =>
  sendJson<T>(url, method, body, headers());

export function errorText(error: unknown): string {
  if (error instanceof RequestFailed) return `${error.message} (HTTP ${error.status})`;
  return error instanceof Error ? error.message : String(error);
}

export interface ErrorDetailLike {
  field: string;
  rule: string;
  message: string;
  line?: number | null;
  column?: number | null;
}

export interface FileProblem {
  file: string;
  line: number | null;
  column: number | null;
  message: string;
}

export interface MappingsFile {
  file: string;
  exists: boolean;
  text: string;
  version: string;
  modified_at: string | null;
  history: { version: string; saved_at: string; bytes: number }[];
}

export interface Moved {
  id: string;
  from: number | null;
  to: number | null;
}
export interface NdcgChange {
  current: number;
  proposed: number;
  change: number;
}
export interface QueryPreview {
  q: string;
  current: { id: string; title: string }[];
  proposed: { id: string; title: string }[];
  changed: boolean;
  moved: Moved[];
  proposed_rules: string[];
  ndcg10?: NdcgChange;
  clicks?: { searches: number; moved_up: number; moved_down: number; ndcg10: NdcgChange };
}
export interface PreviewReport {
  queries: QueryPreview[];
  summary: {
    queries: number;
    changed: number;
    source: 'given' | 'logged';
    judged: number;
    ndcg10?: NdcgChange;
    with_clicks: number;
    click_ndcg10?: NdcgChange;
    clicked_moved_up: number;
    clicked_moved_down: number;
  };
}

export interface GateSegment {
  serve: boolean;
  reasons: string[];
  checks: Record<string, Record<string, unknown> | undefined>;
}
export interface RankerVersion {
  version: string;
  status: string;
  source: string;
  trained_at: string;
  heldout_ndcg10: number;
  fused_ndcg10: number;
  backend: string;
  serves: { shoppers_with_history: boolean; shoppers_without_history: boolean };
  gate: { judgments?: string; segments?: Record<string, GateSegment> } | null;
  files: string;
}
export interface EncoderVersion {
  version: string;
  active: boolean;
  dimensions: number;
  trained_at: string;
  products: number;
  recall_at_10: number;
  files: string;
}
export interface ModelRegistry {
  serving: string | null;
  rollback_to: string | null;
  previously_serving: string[];
  rankers: RankerVersion[];
  encoders: EncoderVersion[];
}

export interface JobRun {
  id: string;
  job: string;
  trigger: string;
  status: string;
  started_at: string;
  finished_at?: string;
  duration_seconds?: number;
  summary?: string;
  error?: string;
  progress?: { stage: string; done: number; total: number };
}
export interface JobsReport {
  scheduler: 'on' | 'off';
  jobs: {
    job: string;
    schedule: string;
    enabled: boolean;
    next_run: string | null;
    running: boolean;
    last_run: JobRun | null;
  }[];
  runs: JobRun[];
}

export interface QualitySample {
  at: string;
  searches: number;
  zero_result_rate: number | null;
  search_latency_ms: { mean: number; p95: number | null } | null;
  ctr_at_1: number;
  first_click_mrr: number;
  purchases_per_search: number;
}
export interface QualityReport {
  interval_seconds: number;
  window_minutes: number;
  current: {
    searches_in_window: number;
    ctr_by_position: number[];
    first_click_mrr: number;
    purchases_per_search: number;
    searches_total: number;
    zero_result_rate_total: number | null;
  };
  series: QualitySample[];
  /** The window of the query tables: the current hour and the one before. */
  query_window: { since: string; distinct_texts: number; max_distinct_texts: number };
  top_queries: { text: string; searches: number; zero_result_share: number }[];
  zero_result_queries: { text: string; zero_result_searches: number; searches: number }[];
  ranker: { version: string; heldout_lists: number; ndcg10: number; ndcg10_fused: number } | null;
}
