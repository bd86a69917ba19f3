import type { InvocationContext } from '../../handlers/runtime.ts';
import type { Runtime } from '../composition.ts';
import { translatorFor, unrecognisedEvent } from './events.ts';

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
