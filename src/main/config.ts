/**
 * Service configuration from the environment. The service and the CLI read the same
 * variables, so `DATA_DIR=/x npm start` and `DATA_DIR=/x npm run cli -- ingest f.csv`
 * talk to the same store.
 */
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { ServiceError } from './errors.ts';

export const TRANSFORMERS_DTYPES = ['fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4'] as const;
export type TransformersDtype = (typeof TRANSFORMERS_DTYPES)[number];
/** `auto`: GPU, then native CPU, then wasm. */
export type BackendPreference = 'auto' | 'gpu' | 'node' | 'wasm';

const flag = z.enum(['true', 'false']).transform((value) => value === 'true');
const onOff = z.enum(['on', 'off']).transform((value) => value === 'on');

/** A positive limit, or `off` for none. */
const limitOrOff = (max: number) => z.union([z.literal('off'), z.coerce.number().positive().max(max)]);
const unlessOff = (value: number | 'off'): number | undefined => (value === 'off' ? undefined : value);

/** Express's `trust proxy`: `false`, `true`, a hop count, or addresses and subnets (`loopback, 10.0.0.0/8`). */
const trustProxy = z
  .string()
  .min(1)
  .transform((value): boolean | number | string =>
    value === 'true' ? true : value === 'false' ? false : /^\d+$/.test(value) ? Number(value) : value,
  );

/**
 * Origins whose pages may call the shopper endpoints: `*` (any), `off` (none), or a comma
 * list of `scheme://host[:port]` origins.
 */
const corsOrigins = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
  )
  .superRefine((origins, ctx) => {
    if (origins.length === 1 && (origins[0] === '*' || origins[0] === 'off')) return;
    for (const origin of origins) {
      if (!/^https?:\/\/[^/\s,*]+$/.test(origin))
        ctx.addIssue({
          code: 'custom',
          message: `"${origin}" is not an origin: use *, off, or scheme://host[:port] without a path, e.g. https://shop.example.com`,
        });
    }
  });

/** Kubernetes renders an absent optional secret as an empty variable: treat it as unset. */
const optionalText = z.preprocess(
  (value) => (value === '' ? undefined : value),
  z.string().min(1).optional(),
);

/** Elasticsearch index names: lower case, no path or wildcard characters; room left for `-000001`. */
const aliasName = z
  .string()
  .max(200)
  .regex(
    /^[a-z0-9][a-z0-9._-]*$/,
    'must be lower case letters, digits, ".", "_" or "-", starting with a letter or digit',
  );

const envSchema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    HOST: z.string().min(1).default('0.0.0.0'),
    DATA_DIR: z.string().min(1).default('./data'),
    MAPPINGS_DIR: z.string().min(1).default('./mappings'),
    MODELS_DIR: z.string().min(1).default('./models'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    SEARCH_BACKEND: z.enum(['embedded', 'elasticsearch']).default('embedded'),
    DEMO_CATALOG: z.enum(['auto', 'off']).default('auto'),
    ELASTICSEARCH_URL: z.preprocess(
      (value) => (value === '' ? undefined : value),
      z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
    ),
    ELASTICSEARCH_API_KEY: optionalText,
    ELASTICSEARCH_USERNAME: optionalText,
    ELASTICSEARCH_PASSWORD: optionalText,
    ELASTICSEARCH_CA_CERT: optionalText,
    ELASTICSEARCH_INDEX: aliasName.default('products'),
    ELASTICSEARCH_KEEP_INDICES: z.coerce.number().int().min(1).max(20).default(2),
    ELASTICSEARCH_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
    ELASTICSEARCH_BULK_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(120_000),
    ELASTICSEARCH_MAPPINGS_DIR: optionalText,
    ELASTICSEARCH_PIPELINES_DIR: z.string().min(1).default('./pipelines'),
    EMBEDDER: z.enum(['encoder', 'hashing', 'transformers', 'use']).default('encoder'),
    TRANSFORMERS_MODEL: z.string().min(1).default('Xenova/all-MiniLM-L6-v2'),
    TRANSFORMERS_DTYPE: z.enum(TRANSFORMERS_DTYPES).default('q8'),
    TRANSFORMERS_POOLING: z.enum(['mean', 'cls']).default('mean'),
    TRANSFORMERS_ALLOW_REMOTE: flag.default(false),
    TRANSFORMERS_QUERY_PREFIX: z.string().optional(),
    TRANSFORMERS_PASSAGE_PREFIX: z.string().optional(),
    TFJS_BACKEND: z.enum(['auto', 'gpu', 'node', 'wasm']).default('auto'),
    USER_ID_SECRET: z.preprocess(
      (value) => (value === '' ? undefined : value),
      z.string().min(16, 'USER_ID_SECRET must be at least 16 characters').optional(),
    ),
    PROFILE_HALF_LIFE_DAYS: z.coerce.number().positive().max(3650).default(30),
    ADMIN_API_KEY: z.preprocess(
      (value) => (value === '' ? undefined : value),
      z.string().min(16, 'ADMIN_API_KEY must be at least 16 characters').optional(),
    ),
    JOBS_SCHEDULER: z.enum(['on', 'off']).default('on'),
    WORKERS: z
      .string()
      .refine((v) => v === 'auto' || (/^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 64), {
        message: 'WORKERS must be auto (one serving process per CPU core) or a whole number from 1 to 64',
      })
      .default('auto'),
    TRUST_PROXY: trustProxy.default(false),
    RATE_LIMIT: onOff.default(true),
    RATE_LIMIT_SEARCH_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(300),
    RATE_LIMIT_SUGGEST_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(1200),
    RATE_LIMIT_EVENTS_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(300),
    MAX_CONCURRENT_REQUESTS: z.coerce.number().int().min(0).max(10_000).default(32),
    MAX_QUEUE_WAIT_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
    SEARCH_MAX_BODY_KB: z.coerce.number().int().min(1).max(1024).default(16),
    EVENTS_MAX_BODY_KB: z.coerce.number().int().min(1).max(65_536).default(512),
    PRODUCTS_MAX_BODY_MB: z.coerce.number().int().min(1).max(4096).default(64),
    SHUTDOWN_DELAY_SECONDS: z.coerce.number().min(0).max(120).default(5),
    CORS_ORIGINS: corsOrigins.default(['*']),
    EVENT_MAX_AGE_HOURS: limitOrOff(87_600).default(96),
    EVENT_MAX_DELAY_MINUTES: limitOrOff(5_256_000).default(60),
  })
  .superRefine((env, ctx) => {
    if (env.SEARCH_BACKEND !== 'elasticsearch') return;
    if (!env.ELASTICSEARCH_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['ELASTICSEARCH_URL'],
        message: 'SEARCH_BACKEND=elasticsearch needs ELASTICSEARCH_URL, e.g. http://localhost:9200',
      });
    }
    if (env.ELASTICSEARCH_API_KEY && (env.ELASTICSEARCH_USERNAME || env.ELASTICSEARCH_PASSWORD)) {
      ctx.addIssue({
        code: 'custom',
        path: ['ELASTICSEARCH_API_KEY'],
        message:
          'set either ELASTICSEARCH_API_KEY or ELASTICSEARCH_USERNAME/ELASTICSEARCH_PASSWORD, not both',
      });
    }
    if (Boolean(env.ELASTICSEARCH_USERNAME) !== Boolean(env.ELASTICSEARCH_PASSWORD)) {
      ctx.addIssue({
        code: 'custom',
        path: [env.ELASTICSEARCH_USERNAME ? 'ELASTICSEARCH_PASSWORD' : 'ELASTICSEARCH_USERNAME'],
        message: 'ELASTICSEARCH_USERNAME and ELASTICSEARCH_PASSWORD go together',
      });
    }
  });

export type ElasticsearchAuth = { apiKey: string } | { username: string; password: string };

export interface ElasticsearchConfig {
  url: string;
  auth?: ElasticsearchAuth;
  /** PEM file of the CA that signed the cluster's HTTP certificate. */
  caCertFile?: string;
  /** The alias the service reads and writes; physical indices are `<alias>-<version>`. */
  alias: string;
  /** Versioned indices kept after a reindex (the serving one included). */
  keepIndices: number;
  requestTimeoutMs: number;
  /** Bulk writes, refreshes and reindex pages: longer than a search, retried on timeout. */
  bulkTimeoutMs: number;
  /** Index settings and mappings (JSON). */
  mappingsDir: string;
  /** Ingest pipeline definitions (JSON). */
  pipelinesDir: string;
}

export type EmbedderConfig =
  | { kind: 'encoder' }
  | { kind: 'hashing' }
  | { kind: 'use' }
  | {
      kind: 'transformers';
      model: string;
      dtype: TransformersDtype;
      pooling: 'mean' | 'cls';
      allowRemoteModels: boolean;
      queryPrefix?: string;
      passagePrefix?: string;
    };

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  mappingsDir: string;
  modelsDir: string;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  searchBackend: z.infer<typeof envSchema>['SEARCH_BACKEND'];
  demoCatalog: z.infer<typeof envSchema>['DEMO_CATALOG'];
  /** Set when SEARCH_BACKEND=elasticsearch. */
  elasticsearch?: ElasticsearchConfig;
  embedder: EmbedderConfig;
  /** Which TensorFlow.js backend training uses (`auto`: GPU, then native CPU, then wasm). */
  tfjsBackend: BackendPreference;
  /** Key of the HMAC that replaces user ids before storage; generated into DATA_DIR if unset. */
  userIdSecret?: string;
  profileHalfLifeDays: number;
  /** Key for /v1/admin/*; without it the admin API answers 403. */
  adminApiKey?: string;
  /** In-process job scheduling (off when Kubernetes CronJobs run the jobs). */
  jobsScheduler: boolean;
  /** Serving processes of `serve` (WORKERS; auto: one per CPU core). 1: no cluster. */
  workers: number;
  http: HttpLimits;
  events: EventWindow;
}

/** What one client, and all of them together, may ask of the HTTP API. */
export interface HttpLimits {
  /** Express's `trust proxy`: which proxies' X-Forwarded-For tells the client address. */
  trustProxy: boolean | number | string;
  /** Requests per minute per client address on the public endpoints; absent: no limit. */
  rateLimit?: { search: number; suggest: number; events: number };
  /** Requests handled at once; more wait in line up to `maxQueueWaitMs`, then get a 503. 0: no limit. */
  maxConcurrentRequests: number;
  maxQueueWaitMs: number;
  /** Largest request bodies, in bytes. */
  bodyBytes: { search: number; events: number; products: number };
  /** Origins allowed on the shopper endpoints (search, suggest, events): `*`, or a list; empty: none. */
  corsOrigins: string[] | '*';
  /** SIGTERM: how long /readyz fails before the server stops taking connections. */
  shutdownDelayMs: number;
}

/** Which event timestamps are believed (absent: no limit). */
export interface EventWindow {
  /** How old an event may be when it arrives. */
  maxAgeMs?: number;
  /** How long after its search an event that names a query_id may happen (absent: its time is not compared with the search's). */
  maxDelayMs?: number;
}

/**
 * What a service that simulated traffic is replayed against needs (the simulator, the
 * benchmarks): events with past, simulated times, and one client at full speed.
 */
export const SIMULATED_TRAFFIC_ENV = {
  EVENT_MAX_AGE_HOURS: 'off',
  EVENT_MAX_DELAY_MINUTES: 'off',
  RATE_LIMIT: 'off',
} as const;

function eventWindow(maxAgeHours: number | undefined, maxDelayMinutes: number | undefined): EventWindow {
  return {
    ...(maxAgeHours !== undefined && { maxAgeMs: maxAgeHours * 3_600_000 }),
    ...(maxDelayMinutes !== undefined && { maxDelayMs: maxDelayMinutes * 60_000 }),
  };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ServiceError('invalid_config', `invalid environment: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  const mappingsDir = path.resolve(e.MAPPINGS_DIR);
  const config: Config = {
    port: e.PORT,
    host: e.HOST,
    dataDir: path.resolve(e.DATA_DIR),
    mappingsDir,
    modelsDir: path.resolve(e.MODELS_DIR),
    logLevel: e.LOG_LEVEL,
    searchBackend: e.SEARCH_BACKEND,
    demoCatalog: e.DEMO_CATALOG,
    embedder:
      e.EMBEDDER === 'transformers'
        ? {
            kind: 'transformers',
            model: e.TRANSFORMERS_MODEL,
            dtype: e.TRANSFORMERS_DTYPE,
            pooling: e.TRANSFORMERS_POOLING,
            allowRemoteModels: e.TRANSFORMERS_ALLOW_REMOTE,
            ...(e.TRANSFORMERS_QUERY_PREFIX !== undefined && { queryPrefix: e.TRANSFORMERS_QUERY_PREFIX }),
            ...(e.TRANSFORMERS_PASSAGE_PREFIX !== undefined && {
              passagePrefix: e.TRANSFORMERS_PASSAGE_PREFIX,
            }),
          }
        : { kind: e.EMBEDDER },
    tfjsBackend: e.TFJS_BACKEND,
    ...(e.USER_ID_SECRET && { userIdSecret: e.USER_ID_SECRET }),
    profileHalfLifeDays: e.PROFILE_HALF_LIFE_DAYS,
    ...(e.ADMIN_API_KEY && { adminApiKey: e.ADMIN_API_KEY }),
    jobsScheduler: e.JOBS_SCHEDULER === 'on',
    workers: e.WORKERS === 'auto' ? os.availableParallelism() : Number(e.WORKERS),
    http: {
      trustProxy: e.TRUST_PROXY,
      ...(e.RATE_LIMIT && {
        rateLimit: {
          search: e.RATE_LIMIT_SEARCH_PER_MINUTE,
          suggest: e.RATE_LIMIT_SUGGEST_PER_MINUTE,
          events: e.RATE_LIMIT_EVENTS_PER_MINUTE,
        },
      }),
      maxConcurrentRequests: e.MAX_CONCURRENT_REQUESTS,
      maxQueueWaitMs: e.MAX_QUEUE_WAIT_MS,
      bodyBytes: {
        search: e.SEARCH_MAX_BODY_KB * 1024,
        events: e.EVENTS_MAX_BODY_KB * 1024,
        products: e.PRODUCTS_MAX_BODY_MB * 1024 * 1024,
      },
      corsOrigins: e.CORS_ORIGINS[0] === '*' ? '*' : e.CORS_ORIGINS[0] === 'off' ? [] : e.CORS_ORIGINS,
      shutdownDelayMs: e.SHUTDOWN_DELAY_SECONDS * 1000,
    },
    events: eventWindow(unlessOff(e.EVENT_MAX_AGE_HOURS), unlessOff(e.EVENT_MAX_DELAY_MINUTES)),
  };
  if (e.SEARCH_BACKEND === 'elasticsearch' && e.ELASTICSEARCH_URL) {
    const auth: ElasticsearchAuth | undefined = e.ELASTICSEARCH_API_KEY
      ? { apiKey: e.ELASTICSEARCH_API_KEY }
      : e.ELASTICSEARCH_USERNAME && e.ELASTICSEARCH_PASSWORD
        ? { username: e.ELASTICSEARCH_USERNAME, password: e.ELASTICSEARCH_PASSWORD }
        : undefined;
    config.elasticsearch = {
      url: e.ELASTICSEARCH_URL,
      ...(auth && { auth }),
      ...(e.ELASTICSEARCH_CA_CERT && { caCertFile: path.resolve(e.ELASTICSEARCH_CA_CERT) }),
      alias: e.ELASTICSEARCH_INDEX,
      keepIndices: e.ELASTICSEARCH_KEEP_INDICES,
      requestTimeoutMs: e.ELASTICSEARCH_REQUEST_TIMEOUT_MS,
      bulkTimeoutMs: e.ELASTICSEARCH_BULK_TIMEOUT_MS,
      mappingsDir: path.resolve(e.ELASTICSEARCH_MAPPINGS_DIR ?? path.join(mappingsDir, 'elasticsearch')),
      pipelinesDir: path.resolve(e.ELASTICSEARCH_PIPELINES_DIR),
    };
  }
  return config;
}
