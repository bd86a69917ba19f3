/**
 * Reservations hold stock for one order: all lines or none. A line naming a bundle holds its components.
 *
 * Stock is never promised twice: the reserving transaction locks the plain SKUs it draws (FOR UPDATE, in SKU
 * order, so two reservations never deadlock), checks each one's available against the whole request, and only
 * then raises `reserved`. A concurrent reservation of the same SKU waits for the lock and sees the new count.
 * The reference is unique per tenant: asking again with the same reference answers the same reservation.
 */
import { DomainError, notFound } from '../shared/errors.ts';
import type { InventoryDeps, InventoryUnit } from './ports.ts';
import type { Reservation, ReservationLine, ReserveInput, Shortage, StockItem } from './model.ts';
import { availableOf } from './sellable.ts';
import type { Actor } from './stock.ts';

const sameLines = (a: readonly ReservationLine[], b: readonly ReservationLine[]): boolean => {
  const key = (lines: readonly ReservationLine[]) => JSON.stringify([...lines].sort((x, y) => (x.sku < y.sku ? -1 : x.sku > y.sku ? 1 : x.quantity - y.quantity)));
  return key(a) === key(b);
};

/** What the lines hold of each plain SKU, bundles expanded, summed per SKU and sorted. */
const holdsOf = (lines: readonly ReservationLine[], items: ReadonlyMap<string, StockItem>): ReservationLine[] => {
  const totals = new Map<string, number>();
  for (const line of lines) {
    const item = items.get(line.sku)!;
    if (item.kind === 'bundle') for (const c of item.components) totals.set(c.sku, (totals.get(c.sku) ?? 0) + c.quantity * line.quantity);
    else totals.set(line.sku, (totals.get(line.sku) ?? 0) + line.quantity);
  }
  return [...totals].sort(([a], [b]) => (a < b ? -1 : 1)).map(([sku, quantity]) => ({ sku, quantity }));
};

export const reserve = async (deps: InventoryDeps, tenantId: string, actor: Actor, input: ReserveInput): Promise<{ reservation: Reservation; created: boolean }> => {
  const now = deps.clock.now();
  const seconds = input.ttlSeconds ?? deps.policy.defaultReservationSeconds;
  if (seconds > deps.policy.maxReservationSeconds) {
    throw new DomainError('invalid', `ttlSeconds may be at most ${deps.policy.maxReservationSeconds}`, { details: { field: 'ttlSeconds' } });
  }
  const asked = [...new Set(input.lines.map((l) => l.sku))];
  const outcome = await deps.store.transaction(async (unit) => {
    const earlier = await unit.reservationByReference(tenantId, input.reference);
    if (earlier) return { reservation: sameOrRefuse(earlier, input.lines), created: false };

    const named = new Map((await unit.getItems(tenantId, asked)).map((i) => [i.sku, i]));
    const unknown = asked.filter((sku) => !named.has(sku));
    if (unknown.length) throw new DomainError('not_found', `Unknown SKU: ${unknown.join(', ')}`, { details: { unknown } });
    const holds = holdsOf(input.lines, named);

    const reservation: Reservation = {
      id: crypto.randomUUID(), tenantId, reference: input.reference, state: 'held', lines: input.lines.map((l) => ({ ...l })), holds,
      expiresAt: new Date(now.getTime() + seconds * 1000), createdAt: now, closedAt: null, releaseCause: null,
    };
    // The unique reference serialises two requests with one reference: the second waits here, then finds the first's.
    if (!(await unit.insertReservation(reservation))) {
      const first = await unit.reservationByReference(tenantId, input.reference);
      if (!first) throw new DomainError('conflict', `Reservation ${input.reference} is being made by another request; try again`, { retryAfterSeconds: 1 });
      return { reservation: sameOrRefuse(first, input.lines), created: false };
    }

    const locked = new Map((await unit.lockItems(tenantId, holds.map((h) => h.sku))).map((i) => [i.sku, i]));
    const shortages: Shortage[] = [];
    for (const h of holds) {
      const available = availableOf(locked.get(h.sku) ?? { onHand: 0, reserved: 0 });
      if (available < h.quantity) shortages.push({ sku: h.sku, requested: h.quantity, available });
    }
    if (shortages.length) {
      // Throwing rolls the transaction back: nothing is held and the reference stays free.
      throw new DomainError('conflict', `Not enough stock: ${shortages.map((s) => `${s.sku} has ${s.available} available, ${s.requested} asked`).join('; ')}`, {
        details: { shortages },
      });
    }
    for (const h of holds) {
      await unit.applyChange({ tenantId, sku: h.sku, onHandDelta: 0, reservedDelta: h.quantity, reason: 'reservation', actor, reference: input.reference, at: now });
    }
    return { reservation, created: true };
  });
  if (outcome.created) deps.changes?.stockChanged(tenantId, skusOf(outcome.reservation));
  return outcome;
};

/** The plain SKUs a reservation holds: what its hold or release changes. */
const skusOf = (r: Reservation): string[] => r.holds.map((h) => h.sku);

const sameOrRefuse = (earlier: Reservation, lines: readonly ReservationLine[]): Reservation => {
  if (!sameLines(earlier.lines, lines)) {
    throw new DomainError('conflict', `Reference ${earlier.reference} is already a reservation with other lines`, { details: { reference: earlier.reference, lines: earlier.lines } });
  }
  return earlier;
};

const lockByReference = async (unit: InventoryUnit, tenantId: string, reference: string): Promise<Reservation> => {
  const found = await unit.reservationByReference(tenantId, reference);
  const locked = found && (await unit.lockReservation(tenantId, found.id));
  if (!locked) throw notFound(`Reservation ${reference}`, { reference });
  return locked;
};

/** Ends a held reservation: its holds are given back (`release`), or taken from stock as a sale (`confirm`). */
const close = async (unit: InventoryUnit, reservation: Reservation, how: 'confirm' | 'release', actor: Actor, now: Date, cause: 'released' | 'expired'): Promise<Reservation> => {
  await unit.lockItems(reservation.tenantId, reservation.holds.map((h) => h.sku));
  for (const h of reservation.holds) {
    await unit.applyChange({
      tenantId: reservation.tenantId, sku: h.sku, onHandDelta: how === 'confirm' ? -h.quantity : 0, reservedDelta: -h.quantity,
      reason: how === 'confirm' ? 'sale' : 'release', actor, reference: reservation.reference, at: now,
    });
  }
  const state = how === 'confirm' ? 'confirmed' : 'released';
  const releaseCause = how === 'confirm' ? null : cause;
  await unit.closeReservation(reservation.tenantId, reservation.id, state, releaseCause, now);
  return { ...reservation, state, closedAt: now, releaseCause };
};

/**
 * Turns the held stock into a sale. Confirming twice answers the same; a released (or expired) reservation
 * cannot be confirmed (409): its stock may already be someone else's.
 */
export const confirmReservation = async (deps: InventoryDeps, tenantId: string, actor: Actor, reference: string): Promise<Reservation> => {
  const now = deps.clock.now();
  const outcome = await deps.store.transaction(async (unit) => {
    const r = await lockByReference(unit, tenantId, reference);
    if (r.state === 'confirmed') return r;
    if (r.state === 'released') throw closedConflict(r);
    if (r.expiresAt <= now) return { expired: await close(unit, r, 'release', 'system', now, 'expired') };
    return close(unit, r, 'confirm', actor, now, 'released');
  });
  if ('expired' in outcome) {
    deps.changes?.stockChanged(tenantId, skusOf(outcome.expired));
    throw closedConflict(outcome.expired);
  }
  return outcome;
};

const closedConflict = (r: Reservation) =>
  new DomainError('conflict', `Reservation ${r.reference} was ${r.releaseCause === 'expired' ? 'released when it expired' : 'released'}; reserve again under a new reference (this one answers the released reservation)`, {
    details: { reference: r.reference, state: r.state, releaseCause: r.releaseCause },
  });

/** Gives the held stock back. Releasing twice answers the same; a confirmed reservation cannot be released (409). */
export const releaseReservation = async (deps: InventoryDeps, tenantId: string, actor: Actor, reference: string): Promise<Reservation> => {
  const now = deps.clock.now();
  const outcome = await deps.store.transaction(async (unit) => {
    const r = await lockByReference(unit, tenantId, reference);
    if (r.state === 'released') return { reservation: r, changed: false };
    if (r.state === 'confirmed') {
      throw new DomainError('conflict', `Reservation ${reference} was confirmed as a sale; record a cancel or return as an adjustment instead`, {
        details: { reference, state: r.state },
      });
    }
    return { reservation: await close(unit, r, 'release', actor, now, 'released'), changed: true };
  });
  if (outcome.changed) deps.changes?.stockChanged(tenantId, skusOf(outcome.reservation));
  return outcome.reservation;
};

export const getReservation = async (deps: InventoryDeps, tenantId: string, reference: string): Promise<Reservation> => {
  const r = await deps.store.reservationByReference(tenantId, reference);
  if (!r) throw notFound(`Reservation ${reference}`, { reference });
  return r;
};

/**
 * Releases held reservations past their expiry, up to `limit` per transaction, across tenants; concurrent
 * purges (several processes) split the work (SKIP LOCKED). Returns how many were released.
 */
export const releaseExpired = async (deps: InventoryDeps, options: { limit?: number; maxBatches?: number } = {}): Promise<number> => {
  const limit = options.limit ?? 100;
  let released = 0;
  for (let batch = 0; batch < (options.maxBatches ?? 50); batch++) {
    const now = deps.clock.now();
    const n = await deps.store.transaction(async (unit) => {
      const due = await unit.claimExpired(now, limit);
      for (const r of due) await close(unit, r, 'release', 'system', now, 'expired');
      return due;
    });
    const byTenant = new Map<string, Set<string>>();
    for (const r of n) for (const sku of skusOf(r)) byTenant.set(r.tenantId, (byTenant.get(r.tenantId) ?? new Set()).add(sku));
    for (const [tenantId, skus] of byTenant) deps.changes?.stockChanged(tenantId, [...skus]);
    released += n.length;
    if (n.length < limit) break;
  }
  return released;
};
