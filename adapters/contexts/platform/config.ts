/**
 * The platform's environment: the process (port, logs, shutdown), persistence, credentials and observability.
 * Every other context reads NODE_ENV and DATA_DIR from here.
 */
import { createPublicKey } from 'node:crypto';
import * as z from 'zod';
import { proxyEntryProblem } from '../../http/client-address.ts';
import { bool, int, list, sandboxSetting, type EnvSection, type SectionConfig } from '../env.ts';

/**
 * The URL of this server as seen from the same machine, from HOST and PORT: a wildcard address (0.0.0.0, ::) is
 * reached as localhost, an IPv6 address in brackets.
 */
export const localServerUrl = (config: { HOST: string; PORT: number }): string => {
  const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? 'localhost' : config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST;
  return `http://${host}:${config.PORT}`;
};

export const platformEnv = {
  NODE_ENV: z.enum(['development', 'production', 'test'], { error: 'expected development, production or test' }).default('development'),
  PORT: int(3000, 0, 65535),
  HOST: z.string().min(1, 'expected a host name or address').default('127.0.0.1'),
  LOG_LEVEL: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT'], { error: 'expected DEBUG, INFO, WARN, ERROR or SILENT' }).default('INFO'),
  /** One JSON access line per request. */
  ACCESS_LOG: bool(true),
  /**
   * Peers trusted to name the client in X-Forwarded-For / CF-Connecting-IP / X-Real-IP: `loopback` (default: nginx
   * on the same host), `none`, or comma-separated addresses and CIDR ranges (add Cloudflare's when it is the edge).
   */
  TRUSTED_PROXIES: z
    .string()
    .default('loopback')
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .superRefine((entries, ctx) => {
      for (const e of entries) {
        const problem = e === 'loopback' || e === 'none' ? null : proxyEntryProblem(e);
        if (problem) ctx.addIssue({ code: 'custom', message: `expected loopback, none, or addresses and CIDR ranges: ${problem}` });
      }
    }),
  /** Check response bodies against their schemas (on in development and tests). */
  VALIDATE_RESPONSES: bool(false),
  /** The developer site `npm run docs` builds, served at /docs by the HTTP driver (relative to the working directory). */
  SITE_DIR: z.string().min(1, 'expected a directory').default('site'),
  /** Above nginx's upstream keepalive_timeout (60 s) so nginx, not us, closes idle upstream connections. */
  KEEP_ALIVE_TIMEOUT_MS: int(65_000, 1_000, 600_000),
  /** How long SIGTERM waits for in-flight requests before closing what is left. */
  SHUTDOWN_TIMEOUT_MS: int(10_000, 0, 120_000),
  HEALTH_TIMEOUT_MS: int(1_000, 50, 30_000),
  /** How long one round of /health checks answers every caller (0: check on every call). */
  HEALTH_CACHE_MS: int(1_000, 0, 60_000),
  /** Static feature flags (comma list of names that are ON), used when no Unleash server is configured. */
  FEATURE_FLAGS: list,
  BUILD_COMMIT: z.string().optional(),
};

/** Persistence: PostgreSQL or the embedded PGlite, migrations, DynamoDB for the key-value stores, idempotency. */
export const persistenceEnv = {
  /** postgres://user:password@host:port/database; unset = the embedded PGlite in DATA_DIR. */
  DATABASE_URL: z
    .string()
    .refine((v) => /^postgres(ql)?:\/\/[^/]/.test(v) && URL.canParse(v), 'expected a postgres://user@host:port/database URL')
    .optional(),
  /** Where the embedded database keeps its files when DATABASE_URL is unset. */
  DATA_DIR: z.string().min(1, 'expected a directory').default('./.data'),
  DATABASE_POOL_SIZE: int(10, 1, 200),
  /** Server-side bound on every statement (0 = none). PGlite cannot enforce it. */
  DATABASE_STATEMENT_TIMEOUT_MS: int(15_000, 0, 600_000),
  DATABASE_CONNECT_TIMEOUT_MS: int(5_000, 100, 120_000),
  /** Named (prepared) statements on PostgreSQL; turn off behind a pooler that cannot keep them per client. */
  DATABASE_PREPARED_STATEMENTS: bool(true),
  /**
   * The server's pipelined connections, shared by single statements of concurrent requests, on top of the pool
   * (0: off; turn off behind a pooler that cannot take pipelined statements).
   */
  DATABASE_PIPELINE_CONNECTIONS: int(2, 0, 16),
  /** Apply pending migrations when the server (or a CLI call that needs the database) starts. */
  MIGRATE_ON_START: bool(true),
  /** Overrides where the SQL migrations are read from (default: next to the program). */
  MIGRATIONS_DIR: z.string().min(1).optional(),
  /** Where the key-value stores live; default dynamodb when DYNAMODB_ENDPOINT or DYNAMODB_TABLE_PREFIX is set. */
  KEY_VALUE_STORE: z.enum(['postgres', 'dynamodb'], { error: 'expected postgres or dynamodb' }).optional(),
  /** A local DynamoDB engine (http://127.0.0.1:8000); unset = AWS in AWS_REGION. */
  DYNAMODB_ENDPOINT: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).optional(),
  DYNAMODB_TABLE_PREFIX: z.string().regex(/^[A-Za-z0-9_.-]{0,200}$/, 'expected letters, digits, _ . -').optional(),
  AWS_REGION: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'expected a region such as ap-northeast-2').default('ap-northeast-2'),
  /** How long an Idempotency-Key is remembered. */
  IDEMPOTENCY_TTL_SECONDS: int(86_400, 60, 30 * 86_400),
  /** How long a running request holds its key before a retry may take it over (its process may have died). */
  IDEMPOTENCY_LOCK_SECONDS: int(120, 1, 3_600),
};

/** Credentials: short-lived JWTs for the web front end (off unless JWT_ALG is set); API keys need no settings. */
export const authEnv = {
  JWT_ALG: z.enum(['HS256', 'RS256'], { error: 'expected HS256 or RS256' }).optional(),
  /** HS256 shared secret: at least 32 bytes, as RFC 7518 asks of a SHA-256 HMAC key. */
  JWT_SECRET: z.string().min(32, 'expected at least 32 characters').optional(),
  /** RS256 public key, PEM; `\n` escapes are accepted for one-line environments. */
  JWT_PUBLIC_KEY: z
    .string()
    .transform((v) => v.replaceAll('\\n', '\n'))
    .refine((v) => v.includes('-----BEGIN PUBLIC KEY-----'), 'expected a PEM public key (-----BEGIN PUBLIC KEY-----)')
    .optional(),
  JWT_ISSUER: z.string().min(1).optional(),
  JWT_AUDIENCE: z.string().min(1).optional(),
  /** Longest accepted token lifetime (exp - iat), seconds. */
  JWT_MAX_LIFETIME_S: int(900, 60, 86_400),
  /**
   * How long the server keeps an API key it verified (0: look every key up). Revocations reach every process
   * through the database's change feed at once; this bounds a change whose notification was lost.
   */
  API_KEY_CACHE_TTL_MS: int(5_000, 0, 60_000),
};

/** The JWT settings hang together: an algorithm needs its key, an issuer and an audience. */
const checkJwt = (c: SectionConfig<typeof authEnv>, ctx: z.RefinementCtx): void => {
  if (!c.JWT_ALG) return;
  const need = (name: string, why: string) => ctx.addIssue({ code: 'custom', path: [name], message: why });
  if (c.JWT_ALG === 'HS256' && !c.JWT_SECRET) need('JWT_SECRET', 'required when JWT_ALG=HS256');
  if (c.JWT_ALG === 'RS256' && !c.JWT_PUBLIC_KEY) need('JWT_PUBLIC_KEY', 'required when JWT_ALG=RS256');
  if (c.JWT_ALG === 'RS256' && c.JWT_PUBLIC_KEY) {
    try {
      if (createPublicKey(c.JWT_PUBLIC_KEY).asymmetricKeyType !== 'rsa') need('JWT_PUBLIC_KEY', 'expected an RSA public key for RS256');
    } catch {
      need('JWT_PUBLIC_KEY', 'is not a readable PEM public key');
    }
  }
  if (!c.JWT_ISSUER) need('JWT_ISSUER', `required when JWT_ALG=${c.JWT_ALG}`);
  if (!c.JWT_AUDIENCE) need('JWT_AUDIENCE', `required when JWT_ALG=${c.JWT_ALG}`);
};

/**
 * The vault that seals what the service keeps for tenants: billing keys and channel connections' credentials
 * (docs/connections.md). The names predate connections and are kept so existing deployments keep working.
 */
export const vaultEnv = {
  /** `k1:<base64 of 32 bytes>,k2:...`: AES-256-GCM keys; required in production. */
  BILLING_KEY_ENCRYPTION_KEYS: z.string().optional(),
  /** The id in BILLING_KEY_ENCRYPTION_KEYS that seals new secrets (default: the first). */
  BILLING_KEY_ACTIVE_ID: z.string().regex(/^[A-Za-z0-9_.-]{1,32}$/, 'expected a key id (letters, digits, _ . -)').optional(),
};

const checkVault = (c: SectionConfig<typeof vaultEnv> & { NODE_ENV: string }, ctx: z.RefinementCtx): void => {
  const keys = c.BILLING_KEY_ENCRYPTION_KEYS;
  if (!keys) {
    if (c.NODE_ENV === 'production') ctx.addIssue({ code: 'custom', path: ['BILLING_KEY_ENCRYPTION_KEYS'], message: 'required in production (k1:<base64 of 32 bytes>)' });
    return;
  }
  const ids: string[] = [];
  for (const part of keys.split(',').map((x) => x.trim()).filter(Boolean)) {
    const i = part.indexOf(':');
    const id = i > 0 ? part.slice(0, i) : '';
    if (!/^[A-Za-z0-9_.-]{1,32}$/.test(id) || Buffer.from(part.slice(i + 1), 'base64').length !== 32 || ids.includes(id)) {
      ctx.addIssue({ code: 'custom', path: ['BILLING_KEY_ENCRYPTION_KEYS'], message: `entry ${ids.length + 1} is not <unique id>:<base64 of 32 bytes>` });
      return;
    }
    ids.push(id);
  }
  if (ids.length === 0) ctx.addIssue({ code: 'custom', path: ['BILLING_KEY_ENCRYPTION_KEYS'], message: 'expected at least one <id>:<base64 of 32 bytes>' });
  const active = c.BILLING_KEY_ACTIVE_ID;
  if (active && !ids.includes(active)) ctx.addIssue({ code: 'custom', path: ['BILLING_KEY_ACTIVE_ID'], message: `not one of the ids in BILLING_KEY_ENCRYPTION_KEYS (${ids.join(', ')})` });
  if (!active && ids.length > 1) ctx.addIssue({ code: 'custom', path: ['BILLING_KEY_ACTIVE_ID'], message: 'required when BILLING_KEY_ENCRYPTION_KEYS holds more than one key' });
};

/**
 * Channel connections (docs/connections.md): where a tenant's credentials are verified before they are stored.
 * The sellers bring their own credentials, so nothing here is a secret. Coupang Wing is verified where the Coupang
 * context sends its Wing calls (COUPANG_BASE_URL, or its sandbox under COUPANG_SANDBOX).
 */
export const connectionsEnv = {
  /** The Naver Commerce API; unset outside production = the local sandbox (NAVER_COMMERCE_SANDBOX=auto). */
  NAVER_COMMERCE_BASE_URL: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL such as https://api.commerce.naver.com' }).optional(),
  /** auto: the sandbox when NAVER_COMMERCE_BASE_URL is unset outside production; on: always; off: never. */
  NAVER_COMMERCE_SANDBOX: sandboxSetting,
  /** Bound on each verification call (a connect request waits for it). */
  CONNECTIONS_VERIFY_TIMEOUT_MS: int(10_000, 500, 60_000),
};

/** Feature flags (Unleash or static), tracing (OpenTelemetry over OTLP/HTTP) and request metrics. */
export const observabilityEnv = {
  /** A JSON file of flag rules for local runs (docs/observability.md); used when UNLEASH_URL is unset. */
  FEATURE_FLAGS_FILE: z.string().min(1).optional(),
  /** The Unleash API base, e.g. https://unleash.example.com/api; set = flags come from Unleash. */
  UNLEASH_URL: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL such as https://unleash.example.com/api' }).optional(),
  /** A client (backend) API token; required with UNLEASH_URL. */
  UNLEASH_API_TOKEN: z.string().min(1).optional(),
  UNLEASH_APP_NAME: z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/, 'expected letters, digits, _ . -').default('sellpo'),
  UNLEASH_REFRESH_MS: int(15_000, 50, 3_600_000),
  /** Tracing: unset = on exactly when OTEL_EXPORTER_OTLP_ENDPOINT is set. */
  OTEL_TRACES_ENABLED: z
    .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'], { error: 'expected true or false' })
    .transform((v) => v === 'true' || v === '1' || v === 'yes' || v === 'on')
    .optional(),
  /** OTLP/HTTP collector base, e.g. http://127.0.0.1:4318 (spans go to <base>/v1/traces as JSON). */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL such as http://127.0.0.1:4318' }).optional(),
  OTEL_SERVICE_NAME: z.string().min(1).default('sellpo'),
  /** Request metrics at GET /metrics (HTTP server only). */
  METRICS_ENABLED: bool(true),
  /** When set, GET /metrics asks for `Authorization: Bearer <token>`. */
  /** The deploy log (container/deploy.mjs, <state dir>/deploys.jsonl): /metrics adds the DORA figures of its last 30 days. */
  DEPLOY_LOG: z.string().min(1, 'expected a file path').optional(),
  METRICS_TOKEN: z.string().min(16, 'expected at least 16 characters').optional(),
};

const checkObservability = (c: SectionConfig<typeof observabilityEnv>, ctx: z.RefinementCtx): void => {
  if (c.UNLEASH_URL && !c.UNLEASH_API_TOKEN) ctx.addIssue({ code: 'custom', path: ['UNLEASH_API_TOKEN'], message: 'required when UNLEASH_URL is set' });
  if (c.OTEL_TRACES_ENABLED && !c.OTEL_EXPORTER_OTLP_ENDPOINT) {
    ctx.addIssue({ code: 'custom', path: ['OTEL_EXPORTER_OTLP_ENDPOINT'], message: 'required when OTEL_TRACES_ENABLED is true' });
  }
};

const env = { ...platformEnv, ...persistenceEnv, ...authEnv, ...vaultEnv, ...connectionsEnv, ...observabilityEnv };
export type PlatformConfig = SectionConfig<typeof env>;

export const platformConfig: EnvSection<typeof env> = {
  env,
  check: (c, ctx) => {
    checkJwt(c, ctx);
    checkVault(c, ctx);
    checkObservability(c, ctx);
  },
};

/** Platform is first in the list: its variables come first, and every context builds on its ports. */
export const platform = { name: 'platform', config: platformConfig } as const;
