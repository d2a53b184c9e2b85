/**
 * Service configuration from the environment. The service and the CLI read the same
 * variables, so `DATA_DIR=/x npm start` and `DATA_DIR=/x npm run cli -- ingest f.csv`
 * talk to the same store.
 */
import path from 'node:path';
import { z } from 'zod';

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATA_DIR: z.string().min(1).default('./data'),
  MAPPINGS_DIR: z.string().min(1).default('./mappings'),
  MODELS_DIR: z.string().min(1).default('./models'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SEARCH_BACKEND: z.enum(['embedded']).default('embedded'),
  DEMO_CATALOG: z.enum(['auto', 'off']).default('auto'),
});

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  mappingsDir: string;
  modelsDir: string;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  searchBackend: z.infer<typeof envSchema>['SEARCH_BACKEND'];
  demoCatalog: z.infer<typeof envSchema>['DEMO_CATALOG'];
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid environment: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: path.resolve(e.DATA_DIR),
    mappingsDir: path.resolve(e.MAPPINGS_DIR),
    modelsDir: path.resolve(e.MODELS_DIR),
    logLevel: e.LOG_LEVEL,
    searchBackend: e.SEARCH_BACKEND,
    demoCatalog: e.DEMO_CATALOG,
  };
}
