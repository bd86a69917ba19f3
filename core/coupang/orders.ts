/**
 * GET /v1/coupang/orders: the seller's order sheets in one status over a period. Whole KST days (`yyyy-MM-dd`, at
 * most 31) page through Wing's daily mode, collecting up to MAX_ORDERS_PER_ANSWER sheets before handing back a
 * nextToken; minutes (`yyyy-MM-ddTHH:mm`, at most 24 hours) use Wing's timeFrame search, one call, no paging.
 */
import { DomainError } from '../shared/errors.ts';
import type { OrderSheet, OrdersQuery, OrdersResult } from './model.ts';
import type { CallOptions } from './ports.ts';
import { withWingAccount, type WingDeps } from './wing-account.ts';

export const MAX_ORDER_DAYS = 31;
/** Wing serves at most 50 sheets a page. */
export const ORDERS_PER_PAGE = 50;
export const MAX_ORDERS_PER_ANSWER = 500;

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const MINUTE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/;
const DAY_MS = 86_400_000;

const validDay = (d: string): boolean => {
  const t = Date.parse(`${d}T00:00:00Z`);
  return !Number.isNaN(t) && new Date(t).toISOString().startsWith(d);
};
const validMinute = (m: string): boolean => validDay(m.slice(0, 10)) && Number(m.slice(11, 13)) < 24 && Number(m.slice(14, 16)) < 60;

const invalid = (field: string, message: string) => new DomainError('invalid', message, { details: { field } });

/** The period's mode, or an `invalid` error naming the field. */
export const orderPeriod = (from: string, to: string): 'daily' | 'timeFrame' => {
  if (DAY.test(from) && DAY.test(to)) {
    if (!validDay(from)) throw invalid('from', `from ${from} is not a calendar date`);
    if (!validDay(to)) throw invalid('to', `to ${to} is not a calendar date`);
    const days = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS + 1;
    if (days < 1) throw invalid('to', 'to is before from');
    if (days > MAX_ORDER_DAYS) throw invalid('to', `the period covers ${days} days; Coupang serves at most ${MAX_ORDER_DAYS} (both days included)`);
    return 'daily';
  }
  if (MINUTE.test(from) && MINUTE.test(to)) {
    if (!validMinute(from)) throw invalid('from', `from ${from} is not a time`);
    if (!validMinute(to)) throw invalid('to', `to ${to} is not a time`);
    const span = Date.parse(`${to}:00Z`) - Date.parse(`${from}:00Z`);
    if (span <= 0) throw invalid('to', 'to is not after from');
    if (span > DAY_MS) throw invalid('to', 'a period given in minutes covers at most 24 hours');
    return 'timeFrame';
  }
  throw invalid('to', 'from and to are both days (yyyy-MM-dd) or both minutes (yyyy-MM-ddTHH:mm), in Korean time');
};

export const listOrders = async (deps: WingDeps, tenantId: string, query: OrdersQuery, options: CallOptions = {}): Promise<OrdersResult> => {
  const mode = orderPeriod(query.from, query.to);
  if (mode === 'timeFrame' && query.nextToken) throw invalid('nextToken', 'a period in minutes is answered whole; nextToken applies to periods in days');
  return withWingAccount(deps, tenantId, async (account) => {
    const base = { mode, from: query.from, to: query.to, status: query.status };
    if (mode === 'timeFrame') {
      const page = await deps.coupang.wing.orderSheets(account, { mode, from: query.from, to: query.to, status: query.status }, options);
      return { ...base, orders: page.items, nextToken: null };
    }
    const orders: OrderSheet[] = [];
    let nextToken: string | null = query.nextToken ?? null;
    do {
      const page = await deps.coupang.wing.orderSheets(
        account,
        { mode, from: query.from, to: query.to, status: query.status, maxPerPage: ORDERS_PER_PAGE, ...(nextToken ? { nextToken } : {}) },
        options,
      );
      orders.push(...page.items);
      nextToken = page.nextToken;
    } while (nextToken && orders.length < MAX_ORDERS_PER_ANSWER);
    return { ...base, orders, nextToken };
  });
};
