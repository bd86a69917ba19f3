/** Time is a port so that tests (renewals, budgets, expiry) can move it. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
