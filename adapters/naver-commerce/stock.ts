/**
 * Smart Store stock through the tenant's Naver Commerce application (the inventory context's ChannelStock for
 * `naver_smart_store`). A listing's externalId is `originProductNo:optionCombinationId`, or the product number
 * alone for a product without options.
 *
 * - read: one `GET /external/v2/products/origin-products/{no}` per product: each option's `stockQuantity` (a product
 *   without options: the product's). A product or option Naver does not know is absent from the answer.
 * - pushMany: per product, the product is read, then every one of its options goes in one
 *   `PUT /external/v1/products/origin-products/{no}/option-stock`: the listings' new quantities, the other options'
 *   stock as read, each option's price and usable as they are (only stock moves). A product without options takes
 *   `PUT .../change-status` with SALE (OUTOFSTOCK at 0) and the quantity; a suspended or otherwise closed product is
 *   left alone and reported. push is pushMany of one.
 */
import type { ChannelStock } from '../../core/inventory/ports.ts';
import type { NaverCommerceCredentials, TenantConnections } from '../../core/platform/ports.ts';
import { DomainError } from '../../core/shared/errors.ts';
import { credentialsRejected, type NaverCommerceClient } from './client.ts';
import { withNaverConnection } from './connection.ts';

const MAX_STOCK = 99_999_999;
/** Products read or written side by side within one call; the rate slots pace them to the application's rate. */
const PARALLEL = 4;

interface OptionCombination {
  id: number;
  stockQuantity: number;
  price: number;
  usable: boolean;
}

interface ProductAnswer {
  originProduct?: {
    statusType?: string;
    stockQuantity?: number;
    detailAttribute?: { optionInfo?: { useStockManagement?: boolean; optionCombinations?: OptionCombination[] } };
  };
}

/** `1001:10011` -> product 1001, option 10011; `1002` -> product 1002 without options; null when malformed. */
export const parseListingId = (externalId: string): { product: string; option: string | null } | null => {
  const m = /^(\d{1,19})(?::(\d{1,19}))?$/.exec(externalId.trim());
  return m ? { product: m[1]!, option: m[2] ?? null } : null;
};

/** Runs `work` over `items`, at most `limit` at once. */
const eachLimited = async <T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> => {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  }));
};

/** Connection problems and the caller giving up end the whole call; anything else is the product's failure. */
const fatal = (error: unknown, signal?: AbortSignal): boolean => credentialsRejected(error) || signal?.aborted === true;

const isNotFound = (error: unknown): boolean => error instanceof DomainError && error.details?.providerStatus === 404;

export const naverSmartStoreStock = (deps: { connections: TenantConnections; client: NaverCommerceClient }): ChannelStock => {
  const readProduct = (credentials: NaverCommerceCredentials, no: string, signal?: AbortSignal) =>
    deps.client.call<ProductAnswer>(credentials, { api: 'products.read', method: 'GET', path: `/external/v2/products/origin-products/${no}`, ...(signal ? { signal } : {}) });

  const optionsOf = (answer: ProductAnswer): OptionCombination[] => answer.originProduct?.detailAttribute?.optionInfo?.optionCombinations ?? [];

  const pushProduct = async (credentials: NaverCommerceCredentials, no: string, items: { externalId: string; option: string | null; quantity: number }[], errors: Map<string, unknown>, signal?: AbortSignal) => {
    const fail = (error: unknown, only?: string) => {
      for (const item of items) if (!only || item.externalId === only) errors.set(item.externalId, error);
    };
    const answer = await readProduct(credentials, no, signal);
    const options = optionsOf(answer);
    if (!options.length) {
      const plain = items.filter((i) => i.option === null);
      for (const i of items.filter((i) => i.option !== null)) fail(new DomainError('invalid', `Smart Store product ${no} has no options, so ${i.externalId} names none: list it as ${no}`), i.externalId);
      const last = plain.at(-1);
      if (!last) return;
      const status = answer.originProduct?.statusType;
      if (status !== 'SALE' && status !== 'OUTOFSTOCK') {
        for (const i of plain) fail(new DomainError('unprocessable', `Smart Store product ${no} is ${status ?? 'in an unknown state'}; its stock is left as it is`), i.externalId);
        return;
      }
      await deps.client.call(credentials, {
        api: 'products.changeStatus', method: 'PUT', path: `/external/v1/products/origin-products/${no}/change-status`,
        json: { statusType: last.quantity > 0 ? 'SALE' : 'OUTOFSTOCK', stockQuantity: last.quantity }, ...(signal ? { signal } : {}),
      });
      return;
    }
    const wanted = new Map<number, number>();
    for (const i of items) {
      if (i.option === null) {
        fail(new DomainError('invalid', `Smart Store product ${no} has options: list each as ${no}:<optionCombinationId>`), i.externalId);
        continue;
      }
      if (!options.some((o) => String(o.id) === i.option)) {
        fail(new DomainError('invalid', `Smart Store product ${no} has no option combination ${i.option}`), i.externalId);
        continue;
      }
      wanted.set(Number(i.option), i.quantity);
    }
    if (!wanted.size) return;
    // Every option goes in the call, the others at the stock just read: the call sets the options it is given.
    await deps.client.call(credentials, {
      api: 'products.optionStock', method: 'PUT', path: `/external/v1/products/origin-products/${no}/option-stock`,
      json: { optionInfo: { optionCombinations: options.map((o) => ({ id: o.id, stockQuantity: wanted.get(o.id) ?? o.stockQuantity, price: o.price, usable: o.usable })), useStockManagement: true } },
      ...(signal ? { signal } : {}),
    });
  };

  const pushMany: NonNullable<ChannelStock['pushMany']> = async (tenantId, items, signal) => {
    const errors = new Map<string, unknown>();
    const byProduct = new Map<string, { externalId: string; option: string | null; quantity: number }[]>();
    for (const { externalId, quantity } of items) {
      const id = parseListingId(externalId);
      if (!id) {
        errors.set(externalId, new DomainError('invalid', `${externalId} is not a Smart Store listing: expected originProductNo:optionCombinationId or originProductNo`));
        continue;
      }
      if (!Number.isInteger(quantity) || quantity < 0 || quantity > MAX_STOCK) {
        errors.set(externalId, new DomainError('invalid', `Smart Store stock must be an integer from 0 to ${MAX_STOCK}, not ${quantity}`));
        continue;
      }
      const list = byProduct.get(id.product) ?? [];
      list.push({ externalId, option: id.option, quantity });
      byProduct.set(id.product, list);
    }
    if (!byProduct.size) return errors;
    return withNaverConnection(deps.connections, tenantId, async (credentials) => {
      await eachLimited([...byProduct], PARALLEL, async ([no, list]) => {
        try {
          await pushProduct(credentials, no, list, errors, signal);
        } catch (error) {
          if (fatal(error, signal)) throw error;
          for (const i of list) if (!errors.has(i.externalId)) errors.set(i.externalId, error);
        }
      });
      return errors;
    }, signal);
  };

  return {
    pushMany,
    push: async (tenantId, externalId, quantity, signal) => {
      const errors = await pushMany(tenantId, [{ externalId, quantity }], signal);
      if (errors.has(externalId)) throw errors.get(externalId);
    },
    read: async (tenantId, externalIds, signal) => {
      const seen = new Map<string, number>();
      const byProduct = new Map<string, { externalId: string; option: string | null }[]>();
      for (const externalId of externalIds) {
        const id = parseListingId(externalId);
        if (!id) continue;
        byProduct.set(id.product, [...(byProduct.get(id.product) ?? []), { externalId, option: id.option }]);
      }
      if (!byProduct.size) return seen;
      return withNaverConnection(deps.connections, tenantId, async (credentials) => {
        await eachLimited([...byProduct], PARALLEL, async ([no, list]) => {
          let answer: ProductAnswer;
          try {
            answer = await readProduct(credentials, no, signal);
          } catch (error) {
            if (isNotFound(error)) return;
            throw error;
          }
          const options = optionsOf(answer);
          for (const { externalId, option } of list) {
            if (option === null) {
              if (!options.length && typeof answer.originProduct?.stockQuantity === 'number') seen.set(externalId, answer.originProduct.stockQuantity);
              continue;
            }
            const found = options.find((o) => String(o.id) === option);
            if (found) seen.set(externalId, found.stockQuantity);
          }
        });
        return seen;
      }, signal);
    },
  };
};
