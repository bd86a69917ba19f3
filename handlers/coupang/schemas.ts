import * as z from 'zod';
import type { Provenance, Sourced } from '../../core/coupang/model.ts';
import { problemSchema } from '../kit/problem.ts';

/** Provider failures reach the caller as these problems (docs/coupang.md, error mapping). */
export const providerProblems = { 400: problemSchema, 429: problemSchema, 502: problemSchema, 503: problemSchema };

/** The Wing endpoints add: no connection (404), and a connection whose credentials Coupang refused (502). */
export const wingProblems = {
  ...providerProblems,
  404: problemSchema.describe('The tenant has no Coupang Wing connection (or the id is not in its account)'),
  502: problemSchema.describe('Coupang failed, or refused the connection\'s credentials: the connection is then marked rejected and must be renewed'),
};

export const provenance = {
  source: z.string().describe('Provider operation the figures come from'),
  asOf: z.string().describe('When the provider produced them (ISO 8601)'),
  cached: z.boolean().describe('Served from our cache'),
};

/** The wire carries a provider answer's figures and their provenance side by side. */
export const toSourcedBody = <D extends object>(r: Sourced<D>): D & Provenance => ({ ...r.data, source: r.source, asOf: r.asOf, cached: r.cached });
