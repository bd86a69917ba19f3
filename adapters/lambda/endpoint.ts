/**
 * Lambda driver, one endpoint per function: build.mjs generates an entry per endpoint that calls this with that
 * endpoint's definition and the contexts it reads (scripts/lambda-contexts.mjs), so the bundle carries one
 * handler and only those contexts' adapters. Events whose method and path do not belong to the endpoint get the
 * same 404/405 answers as the router.
 */
import type { AnyEndpoint } from '../../handlers/toolkit.ts';
import { loadConfig } from '../config.ts';
import { composeRuntime, type AnyContext } from '../runtime.ts';
import { lambdaHandler, lambdaProfile } from './serve.ts';

export const endpointLambda = async (definition: AnyEndpoint, contexts: readonly AnyContext[]) =>
  lambdaHandler(await composeRuntime(loadConfig(), { ...lambdaProfile, endpoints: [definition] }, contexts));
