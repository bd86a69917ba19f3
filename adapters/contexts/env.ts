/**
 * What a context's environment section is made of: zod fields for its variables, the readers every section
 * shares (booleans, bounded integers, comma lists), and rules across variables that zod fields cannot state.
 */
import * as z from 'zod';

export interface EnvSection<S extends z.ZodRawShape, C = SectionConfig<S>> {
  env: S;
  /** Rules across variables (a set given in part, a key needed in production): each problem names its variable. */
  check?: (config: C, ctx: z.RefinementCtx) => void;
}

export type SectionConfig<S extends z.ZodRawShape> = z.output<z.ZodObject<S>>;

export const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'], { error: 'expected true or false' })
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes' || v === 'on');

export const int = (fallback: number, min: number, max: number) =>
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

export const list = z
  .string()
  .default('')
  .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean));

/** auto: the provider sandbox when the provider's credentials are missing (never in production); on: always; off: never. */
export const sandboxSetting = z.enum(['auto', 'on', 'off'], { error: 'expected auto, on or off' }).default('auto');
