import * as z from 'zod';

/**
 * Every environment variable the service reads, parsed once at start. A bad or missing value stops the start
 * with a message naming the variable and what it expects. Bounded contexts add their section here.
 */
const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'], { error: 'expected true or false' })
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes' || v === 'on');

const int = (fallback: number, min: number, max: number) =>
  z
    .string()
    .default(String(fallback))
    .transform((v, ctx) => {
      const n = Number(v);
      if (!/^-?\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `expected an integer from ${min} to ${max}` });
        return z.NEVER;
      }
      return n;
    });

const list = z
  .string()
  .default('')
  .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean));

export const platformEnv = {
  NODE_ENV: z.enum(['development', 'production', 'test'], { error: 'expected development, production or test' }).default('development'),
  PORT: int(3000, 0, 65535),
  HOST: z.string().min(1, 'expected a host name or address').default('127.0.0.1'),
  LOG_LEVEL: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT'], { error: 'expected DEBUG, INFO, WARN, ERROR or SILENT' }).default('INFO'),
  /** One JSON access line per request. */
  ACCESS_LOG: bool(true),
  /** Check response bodies against their schemas (on in development and tests). */
  VALIDATE_RESPONSES: bool(false),
  /** Above nginx's upstream keepalive_timeout (60 s) so nginx, not us, closes idle upstream connections. */
  KEEP_ALIVE_TIMEOUT_MS: int(65_000, 1_000, 600_000),
  /** How long SIGTERM waits for in-flight requests before closing what is left. */
  SHUTDOWN_TIMEOUT_MS: int(10_000, 0, 120_000),
  HEALTH_TIMEOUT_MS: int(1_000, 50, 30_000),
  /** Static feature flags (comma list of names that are ON), used when no Unleash server is configured. */
  FEATURE_FLAGS: list,
  BUILD_COMMIT: z.string().optional(),
};

export const configSchema = z.object({ ...platformEnv });

export type Config = z.output<typeof configSchema>;

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Empty strings count as unset, so `PORT=` falls back to the default instead of failing obscurely. */
export const loadConfig = (env: Record<string, string | undefined> = process.env): Config => {
  const input: Record<string, string> = {};
  for (const key of Object.keys(configSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') input[key] = value;
  }
  const result = configSchema.safeParse(input);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '(config)');
      const got = input[name];
      return `${name}: ${issue.message}${got === undefined ? ' (not set)' : `, got ${JSON.stringify(got)}`}`;
    }),
  );
};
