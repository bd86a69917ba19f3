import { describe, expect, it } from 'vitest';
import { DomainError } from '../shared/errors.ts';
import { canTransition, subscriptionEvents, subscriptionStates, transition, transitions, type SubscriptionEvent, type SubscriptionState } from './subscription.ts';
import { addMonthsClamped, defaultCatalog, planAt, periodBounds } from './plans.ts';
import type { PlanVersion } from './model.ts';
import { unusedShare, upgradeCharge } from './proration.ts';

/** The lifecycle as the issue states it, written out independently of the table under test. */
const expected: Record<string, SubscriptionState> = {
  'trialing/charge_succeeded': 'active', 'trialing/charge_failed': 'past_due', 'trialing/cancel': 'canceled', 'trialing/cancel_now': 'expired',
  'trialing/change_plan': 'trialing', 'trialing/change_payment_method': 'trialing',
  'active/charge_succeeded': 'active', 'active/charge_failed': 'past_due', 'active/cancel': 'canceled', 'active/cancel_now': 'expired',
  'active/change_plan': 'active', 'active/change_payment_method': 'active',
  'past_due/charge_succeeded': 'active', 'past_due/charge_failed': 'past_due', 'past_due/cancel': 'expired', 'past_due/cancel_now': 'expired',
  'past_due/dunning_exhausted': 'expired', 'past_due/change_payment_method': 'past_due',
  'canceled/resume': 'active', 'canceled/cancel_now': 'expired', 'canceled/period_ended': 'expired', 'canceled/change_payment_method': 'canceled',
};

describe('subscription state machine', () => {
  const pairs = subscriptionStates.flatMap((s) => subscriptionEvents.map((e) => [s, e] as [SubscriptionState, SubscriptionEvent]));

  it.each(pairs.filter(([s, e]) => `${s}/${e}` in expected))('%s --%s--> legal', (state, event) => {
    expect(transition(state, event)).toBe(expected[`${state}/${event}`]);
    expect(canTransition(state, event)).toBe(true);
  });

  it.each(pairs.filter(([s, e]) => !(`${s}/${e}` in expected)))('%s --%s--> illegal: a domain error naming both', (state, event) => {
    expect(canTransition(state, event)).toBe(false);
    let thrown: unknown;
    try {
      transition(state, event);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DomainError);
    expect((thrown as DomainError).code).toBe('unprocessable');
    expect((thrown as DomainError).details).toMatchObject({ state, event });
  });

  it('names the state with the right article: an active, an expired, a past-due, a canceled, a trialing', () => {
    const message = (state: SubscriptionState, event: SubscriptionEvent) => {
      try {
        transition(state, event);
      } catch (error) {
        return (error as DomainError).message;
      }
      return '';
    };
    expect(message('active', 'resume')).toBe("An active subscription cannot take 'resume'.");
    expect(message('expired', 'cancel')).toBe("An expired subscription cannot take 'cancel'.");
    expect(message('past_due', 'resume')).toBe("A past-due subscription cannot take 'resume'.");
    expect(message('canceled', 'cancel')).toBe("A canceled subscription cannot take 'cancel'.");
    expect(message('trialing', 'resume')).toBe("A trialing subscription cannot take 'resume'.");
  });

  it('the table holds nothing beyond the written lifecycle, and expired is terminal', () => {
    const count = Object.values(transitions).reduce((n, row) => n + Object.keys(row).length, 0);
    expect(count).toBe(Object.keys(expected).length);
    expect(Object.keys(transitions.expired)).toEqual([]);
  });
});

describe('plans and periods', () => {
  it('a later price version applies only to periods starting after it', () => {
    const v2: PlanVersion = { ...defaultCatalog[0]!, version: 2, priceKrw: 33_000, effectiveFrom: new Date('2026-07-01T00:00:00+09:00') };
    const catalog = [...defaultCatalog, v2];
    expect(planAt(catalog, 'basic-monthly', new Date('2026-06-30T14:59:59Z'))!.priceKrw).toBe(29_000);
    expect(planAt(catalog, 'basic-monthly', new Date('2026-06-30T15:00:00Z'))!.priceKrw).toBe(33_000);
    expect(planAt(catalog, 'nope', new Date())).toBeUndefined();
  });

  it('monthly periods clamp to short months and return to the anchor day', () => {
    const anchor = new Date('2025-01-31T03:00:00Z');
    expect(addMonthsClamped(anchor, 1).toISOString()).toBe('2025-02-28T03:00:00.000Z');
    expect(addMonthsClamped(anchor, 2).toISOString()).toBe('2025-03-31T03:00:00.000Z');
    expect(addMonthsClamped(new Date('2024-01-31T00:00:00Z'), 1).toISOString()).toBe('2024-02-29T00:00:00.000Z');
    expect(periodBounds(anchor, 'year', 1)).toEqual({ start: new Date('2026-01-31T03:00:00Z'), end: new Date('2027-01-31T03:00:00Z') });
    for (let i = 0; i < 30; i++) expect(periodBounds(anchor, 'month', i).end).toEqual(periodBounds(anchor, 'month', i + 1).start);
  });
});

describe('proration (integer KRW, rounded down once)', () => {
  const start = new Date('2025-06-01T00:00:00Z');
  const end = new Date('2025-07-01T00:00:00Z');
  it('refunds the unused share, never more than paid', () => {
    expect(unusedShare(30_000, start, end, start)).toBe(30_000);
    expect(unusedShare(30_000, start, end, new Date('2025-06-16T00:00:00Z'))).toBe(15_000);
    expect(unusedShare(29_000, start, end, new Date('2025-06-11T00:00:00Z'))).toBe(19_333); // 29000 * 20/30 = 19333.3
    expect(unusedShare(29_000, start, end, end)).toBe(0);
    expect(unusedShare(29_000, start, end, new Date('2025-08-01T00:00:00Z'))).toBe(0);
    expect(unusedShare(29_000, start, end, new Date('2025-05-01T00:00:00Z'))).toBe(29_000);
  });
  it('charges an upgrade the difference of unused shares', () => {
    expect(upgradeCharge(29_000, 79_000, start, end, new Date('2025-06-16T00:00:00Z'))).toBe(25_000);
    expect(upgradeCharge(79_000, 29_000, start, end, start)).toBe(0);
  });
});
