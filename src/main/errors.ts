/**
 * One error model. A failure a person can act on is a ServiceError with a stable code;
 * ERRORS says, per code, the HTTP status, the CLI exit status and the default message. The
 * API answers `{"error": {code, message, details}}` (5xx with the table's message, never
 * internals), the CLI prints `hybrid-search: <message>` and exits with the code's status.
 * Any other error is a bug: logged with its stack, a 500.
 */
export const ERRORS = {
  /** The command line is wrong: an unknown option, a missing file, a file format it cannot tell. */
  usage: { status: 400, exit: 2, message: 'the command line is not valid' },
  invalid_request: { status: 400, message: 'invalid request' },
  invalid_json: { status: 400, message: 'the request body is not valid JSON' },
  bad_request: { status: 400, message: 'bad request' },
  /** A catalog, feed or judgments file that cannot be read as what it claims to be. */
  invalid_file: { status: 400, message: 'the file cannot be read' },
  unauthorized: { status: 401, message: 'a valid admin API key is required' },
  admin_disabled: { status: 403, message: 'the admin API is off: set ADMIN_API_KEY to enable it' },
  not_found: { status: 404, message: 'not found' },
  job_running: { status: 409, message: 'the job is already running' },
  /** A save based on a version of a file that another save has replaced since. */
  version_conflict: { status: 409, message: 'the file changed since it was read' },
  payload_too_large: { status: 413, message: 'the request body is too large' },
  too_many_records: { status: 413, message: 'too many records in one request' },
  /** One client sent more requests than its per-minute share (`Retry-After` says when to resume). */
  rate_limited: { status: 429, message: 'too many requests; retry later' },
  /** Too little to train or evaluate a model on. */
  not_enough_data: { status: 422, message: 'not enough data to learn from' },
  /** An environment variable or a file in mappings/ (or mappings/elasticsearch, pipelines/). */
  invalid_config: { status: 500, message: 'invalid configuration' },
  /** The stored index was built for other settings (another embedder, other mappings). */
  index_conflict: { status: 500, message: 'the index does not match the configuration' },
  /** The engine refused documents, or a reindex could not complete (the serving index is untouched). */
  index_write_failed: { status: 500, message: 'the index could not be written' },
  /** A document in the index is not a product this build can read. */
  invalid_document: { status: 500, message: 'internal error' },
  /** The simulator's requests to the service failed. */
  request_failed: { status: 502, message: 'the service did not answer' },
  backend_unavailable: { status: 503, message: 'the search backend is unavailable; retry later' },
  /** The cluster refused work with 429 (its queues are full), after the client's own resends. */
  cluster_busy: { status: 503, message: 'the search cluster is busy; retry later' },
  /** More requests at once than the service can answer in time: shed before latency collapses. */
  overloaded: { status: 503, message: 'the service is overloaded; retry later' },
  /** The text encoder's files failed their check: searches run on keywords alone, catalog writes wait. */
  embedder_unavailable: { status: 503, message: 'the text encoder is unavailable; retry later' },
  /** WORKERS > 1: the one process that writes (catalog, events, jobs) is restarting. */
  writer_unavailable: { status: 503, message: 'the writing process is restarting; retry later' },
  /** A model file (encoder, ranker) is missing, truncated or does not match its checksum. */
  invalid_model: { status: 500, message: 'a model file cannot be used' },
  internal_error: { status: 500, message: 'internal error' },
} as const satisfies Record<string, { status: number; exit?: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

/** 5xx codes that say "come back later" rather than "bug": answered as themselves, with Retry-After. */
export const RETRYABLE_CODES: ReadonlySet<ErrorCode> = new Set([
  'backend_unavailable',
  'cluster_busy',
  'overloaded',
  'embedder_unavailable',
  'writer_unavailable',
]);

export interface ErrorExtras {
  /** Field-level problems (`[{field, rule, message}]` for requests). */
  details?: unknown;
  headers?: Record<string, string>;
  /** Another HTTP status than the code's (a body parser's 4xx). */
  status?: number;
  cause?: unknown;
}

export class ServiceError extends Error {
  readonly status: number;
  readonly details: unknown;
  readonly headers: Record<string, string> | undefined;

  constructor(
    readonly code: ErrorCode,
    message: string = ERRORS[code].message,
    extras: ErrorExtras = {},
  ) {
    super(message, { cause: extras.cause });
    this.name = 'ServiceError';
    this.status = extras.status ?? ERRORS[code].status;
    this.details = extras.details;
    this.headers = extras.headers;
  }

  get exitCode(): number {
    const entry = ERRORS[this.code];
    return 'exit' in entry ? entry.exit : 1;
  }
}

export function isServiceError(error: unknown, code?: ErrorCode): error is ServiceError {
  return error instanceof ServiceError && (code === undefined || error.code === code);
}
