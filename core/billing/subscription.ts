/**
 * The subscription lifecycle, written down once. Every state change goes through `transition`; an event that
 * the table does not allow in the current state is a domain error, never a silent change.
 */
import { DomainError } from '../shared/errors.ts';

export const subscriptionStates = ['trialing', 'active', 'past_due', 'canceled', 'expired'] as const;
export type SubscriptionState = (typeof subscriptionStates)[number];

export const subscriptionEvents = [
  /** A period was paid (first charge, renewal, or a dunning retry). */
  'charge_succeeded',
  /** A renewal charge was declined or failed: grace period and retries begin. */
  'charge_failed',
  /** The customer cancels at the end of the paid (or trial) period; entitlements stay until then. */
  'cancel',
  /** The customer cancels now (prorated refund of the unused part); entitlements end now. */
  'cancel_now',
  /** A cancellation at period end is withdrawn before the period ends. */
  'resume',
  /** A canceled subscription reached the end of its period. */
  'period_ended',
  /** The last scheduled retry of a past-due subscription failed. */
  'dunning_exhausted',
  /** Upgrade now or downgrade scheduled for the period end. */
  'change_plan',
  /** A new card (billing key) replaces the old one. */
  'change_payment_method',
] as const;
export type SubscriptionEvent = (typeof subscriptionEvents)[number];

/** state -> event -> next state. Anything absent is illegal. */
export const transitions: Readonly<Record<SubscriptionState, Partial<Record<SubscriptionEvent, SubscriptionState>>>> = {
  trialing: {
    charge_succeeded: 'active',
    charge_failed: 'past_due',
    cancel: 'canceled',
    cancel_now: 'expired',
    change_plan: 'trialing',
    change_payment_method: 'trialing',
  },
  active: {
    charge_succeeded: 'active',
    charge_failed: 'past_due',
    cancel: 'canceled',
    cancel_now: 'expired',
    change_plan: 'active',
    change_payment_method: 'active',
  },
  past_due: {
    charge_succeeded: 'active',
    charge_failed: 'past_due',
    // Nothing paid is left to run out: canceling a past-due subscription ends it.
    cancel: 'expired',
    cancel_now: 'expired',
    dunning_exhausted: 'expired',
    change_payment_method: 'past_due',
  },
  canceled: {
    resume: 'active',
    cancel_now: 'expired',
    period_ended: 'expired',
    change_payment_method: 'canceled',
  },
  expired: {},
};

export const canTransition = (state: SubscriptionState, event: SubscriptionEvent): boolean => transitions[state][event] !== undefined;

/** The state after `event`, or a DomainError('unprocessable') naming both when the table forbids it. */
export const transition = (state: SubscriptionState, event: SubscriptionEvent): SubscriptionState => {
  const next = transitions[state][event];
  if (next === undefined) {
    const allowed = Object.keys(transitions[state]);
    const name = state.replace('_', '-');
    throw new DomainError('unprocessable', `${/^[aeiou]/.test(name) ? 'An' : 'A'} ${name} subscription cannot take '${event}'.`, {
      details: { state, event, allowedEvents: allowed },
    });
  }
  return next;
};

/** States whose holder keeps the plan's entitlements (until the period, or grace, runs out). */
export const entitledStates: ReadonlySet<SubscriptionState> = new Set(['trialing', 'active', 'past_due', 'canceled']);
/** A tenant has at most one subscription in a live state. */
export const liveStates: readonly SubscriptionState[] = ['trialing', 'active', 'past_due', 'canceled'];
