import type * as z from 'zod';

/** Flattens intersections and nested objects so two spellings of one shape compare equal. */
type Flat<T> = T extends (infer E)[] ? Flat<E>[] : T extends Date ? T : T extends object ? { [K in keyof T]: Flat<T[K]> } : T;
/** True when A and B are the same type: optional fields, readonly and nested shapes included. */
type Same<A, B> = (<G>() => G extends Flat<A> ? 1 : 2) extends <G>() => G extends Flat<B> ? 1 : 2 ? true : false;

/**
 * Ties a wire schema to the core type it carries: `schemaOf<MarginResult>()(z.object({...}))` type-checks only
 * when what the schema parses is exactly `T`, so a field added to, removed from or retyped in either fails
 * `npm run lint`. Core types stay the source of truth; the schema adds the wire's limits and descriptions.
 * `inputOf<T>()` is looser, for requests: what the schema parses must be assignable to the use case's input.
 */
export const schemaOf =
  <T>() =>
  <S extends z.ZodType>(schema: S & (Same<z.output<S>, T> extends true ? unknown : { readonly 'schema does not match the core type': T })): S =>
    schema;

export const inputOf =
  <T>() =>
  <S extends z.ZodType>(schema: S & (z.output<S> extends T ? unknown : { readonly 'schema output is not the use case input': T })): S =>
    schema;
