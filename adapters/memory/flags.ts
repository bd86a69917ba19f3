import { readFileSync } from 'node:fs';
import type { FeatureFlags, FlagContext } from '../../core/platform/flags.ts';

/**
 * One flag's rule in a flag file: `true`/`false`, or on for the listed tenants (and/or users) only.
 * Anything a rule does not match is off.
 */
export type FlagRule = boolean | { tenants?: string[]; users?: string[] };

export type StaticFlags = FeatureFlags & { set(flag: string, rule: FlagRule): void };

/** Flags from configuration: the named ones are on (rules may narrow them to tenants), every other flag is off. */
export const staticFlags = (enabled: Iterable<string>, rules: Readonly<Record<string, FlagRule>> = {}): StaticFlags => {
  const on = new Set<string>();
  const targeted = new Map<string, { tenants: ReadonlySet<string>; users: ReadonlySet<string> }>();
  const set = (flag: string, rule: FlagRule): void => {
    on.delete(flag);
    targeted.delete(flag);
    if (rule === true) on.add(flag);
    else if (rule !== false) targeted.set(flag, { tenants: new Set(rule.tenants ?? []), users: new Set(rule.users ?? []) });
  };
  for (const [flag, rule] of Object.entries(rules)) set(flag, rule);
  // FEATURE_FLAGS wins over the file: naming a flag there turns it on for everyone.
  for (const flag of enabled) on.add(flag);
  return {
    isEnabled: (flag: string, context?: FlagContext) => {
      if (on.has(flag)) return true;
      const rule = targeted.get(flag);
      if (!rule || !context) return false;
      return (context.tenantId !== undefined && rule.tenants.has(context.tenantId)) || (context.userId !== undefined && rule.users.has(context.userId));
    },
    set,
  };
};

export class FlagFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlagFileError';
  }
}

const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');

/**
 * Parses a flag file: a JSON object of flag name to rule, e.g.
 * `{"sourcing.v2": true, "agents": {"tenants": ["t_123"]}, "billing.toss": false}`.
 */
export const parseFlagFile = (text: string): Record<string, FlagRule> => {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new FlagFileError(`not valid JSON (${(error as Error).message})`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new FlagFileError('expected a JSON object of flag name to true, false or {"tenants": [...], "users": [...]}');
  }
  const rules: Record<string, FlagRule> = {};
  for (const [name, rule] of Object.entries(data)) {
    if (typeof rule === 'boolean') {
      rules[name] = rule;
      continue;
    }
    if (typeof rule === 'object' && rule !== null && !Array.isArray(rule)) {
      const { tenants, users, ...rest } = rule as Record<string, unknown>;
      const unknownKeys = Object.keys(rest);
      if (unknownKeys.length === 0 && (tenants === undefined || isStringArray(tenants)) && (users === undefined || isStringArray(users))) {
        rules[name] = { ...(tenants ? { tenants } : {}), ...(users ? { users } : {}) };
        continue;
      }
    }
    throw new FlagFileError(`flag ${JSON.stringify(name)}: expected true, false or {"tenants": [...], "users": [...]}`);
  }
  return rules;
};

/** Reads a flag file once at start; a missing or malformed file is an error, never a silent "all off". */
export const readFlagFile = (path: string): Record<string, FlagRule> => {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new FlagFileError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return parseFlagFile(text);
};
