import * as z from 'zod';
import { schemaOf, inputOf } from '../../handlers/kit/schema.ts';
interface A { a: number; b?: string }
const ok = schemaOf<A>()(z.object({ a: z.number(), b: z.string().optional() }));
// @ts-expect-error missing b
const bad = schemaOf<A>()(z.object({ a: z.number() }));
// @ts-expect-error extra c
const bad2 = schemaOf<A>()(z.object({ a: z.number(), b: z.string().optional(), c: z.string() }));
// @ts-expect-error wrong type
const bad3 = schemaOf<A>()(z.object({ a: z.string(), b: z.string().optional() }));
const in1 = inputOf<{ a: number }>()(z.object({ a: z.number().int() }));
// @ts-expect-error wrong input
const in2 = inputOf<{ a: number }>()(z.object({ a: z.string() }));
export { ok, bad, bad2, bad3, in1, in2 };
interface Nested { items: { id: string; n?: number }[]; kind: 'a' | 'b'; when: string | null }
export const nested = schemaOf<Nested>()(
  z.object({ items: z.array(z.object({ id: z.string(), n: z.number().optional() })), kind: z.enum(['a', 'b']), when: z.string().nullable() }),
);
// @ts-expect-error nested optional dropped
export const nestedBad = schemaOf<Nested>()(z.object({ items: z.array(z.object({ id: z.string() })), kind: z.enum(['a', 'b']), when: z.string().nullable() }));
export const merged = schemaOf<Nested>()(z.object({ kind: z.enum(['a', 'b']), when: z.string().nullable() }).extend({ items: z.array(z.object({ id: z.string(), n: z.number().optional() })) }));
