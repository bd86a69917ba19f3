import type { InvocationContext } from '../../handlers/toolkit.ts';
import type { Profile, Runtime } from '../composition.ts';
import { translatorFor, unrecognisedEvent } from './event-sources.ts';

/**
 * A Lambda execution environment: providers on first use (an instance may never call one), no background
 * work (it freezes between invocations), metered tenants, no per-instance metrics.
 */
export const lambdaProfile: Omit<Profile, 'endpoints'> = { eagerProviders: false, background: false, meter: true, metrics: 'off', logSink: 'stdout' };

/** The Lambda handler over a runtime: translate the event, dispatch, translate back, flush the access line. */
export const lambdaHandler =
  (runtime: Runtime) =>
  async (event: unknown, context: InvocationContext): Promise<unknown> => {
    const translator = translatorFor(event);
    if (!translator) return unrecognisedEvent(runtime.options);
    const result = await runtime.dispatcher.dispatch(translator.event, context);
    // The execution environment may freeze right after we return; lines must be out before then.
    runtime.flushLogs();
    return translator.result(result);
  };
