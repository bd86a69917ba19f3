/**
 * The Naver Commerce sandbox's seller data, one store per application (client id): origin products with their
 * option combinations and stock, product orders, and the change feed over them. Deterministic: every application
 * starts with the same three products, and product order ids count up from one number per application.
 *
 * The change feed reports each product order once, at its last change (as Naver's last-changed-statuses does): an
 * order paid and then cancelled shows only as CANCELED. Entries are ordered by (lastChangedDate, sequence); a
 * page that stops early answers `more{moreFrom, moreSequence}` naming the first entry it left out.
 */

export interface OptionCombination {
  id: number;
  optionName1: string;
  stockQuantity: number;
  price: number;
  usable: boolean;
}

export interface OriginProduct {
  originProductNo: number;
  name: string;
  statusType: 'SALE' | 'OUTOFSTOCK' | 'SUSPENSION';
  salePrice: number;
  /** Products without options only (with options it is the sum of theirs). */
  stockQuantity: number;
  useStockManagement: boolean;
  /** Empty: a product without options. */
  options: OptionCombination[];
}

export type ProductOrderStatus = 'PAYED' | 'DELIVERING' | 'DELIVERED' | 'PURCHASE_DECIDED' | 'CANCELED' | 'RETURNED';

export interface ProductOrder {
  productOrderId: string;
  orderId: string;
  originalProductId: string;
  optionCode: string | null;
  quantity: number;
  unitPrice: number;
  status: ProductOrderStatus;
  lastChangedType: 'PAYED' | 'CLAIM_COMPLETED';
  claimType: 'CANCEL' | 'RETURN' | null;
  claimStatus: 'CANCEL_DONE' | 'RETURN_DONE' | null;
  paymentDate: number;
  lastChangedDate: number;
  /** Orders entries changed at the same instant; a new one on every change. */
  sequence: number;
}

export interface SellerData {
  products: Map<number, OriginProduct>;
  orders: Map<string, ProductOrder>;
  nextSequence: number;
  nextOrder: number;
  /** Calls by `METHOD path`, for tests that count provider calls. */
  calls: Record<string, number>;
}

/** The products every application starts with. */
export const seedProducts = (): OriginProduct[] => [
  {
    originProductNo: 1001, name: '캠핑의자', statusType: 'SALE', salePrice: 39_000, stockQuantity: 0, useStockManagement: true,
    options: [
      { id: 10011, optionName1: '블랙', stockQuantity: 10, price: 0, usable: true },
      { id: 10012, optionName1: '화이트', stockQuantity: 10, price: 1_000, usable: true },
      { id: 10013, optionName1: '그레이', stockQuantity: 0, price: 0, usable: false },
    ],
  },
  { originProductNo: 1002, name: '캠핑테이블', statusType: 'SALE', salePrice: 59_000, stockQuantity: 5, useStockManagement: true, options: [] },
  {
    originProductNo: 1003, name: '랜턴', statusType: 'SALE', salePrice: 25_000, stockQuantity: 0, useStockManagement: true,
    options: [
      { id: 10031, optionName1: '소', stockQuantity: 3, price: 0, usable: true },
      { id: 10032, optionName1: '대', stockQuantity: 3, price: 5_000, usable: true },
    ],
  },
];

export const newSellerData = (): SellerData => ({
  products: new Map(seedProducts().map((p) => [p.originProductNo, p])),
  orders: new Map(),
  nextSequence: 1,
  nextOrder: 1,
  calls: {},
});

export const stockOf = (p: OriginProduct): number => (p.options.length ? p.options.reduce((s, o) => s + o.stockQuantity, 0) : p.stockQuantity);

/** ISO 8601 in Korean time, as Naver writes dates: 2026-12-06T22:58:14.123+09:00. */
export const kst = (ms: number): string => `${new Date(ms + 9 * 3_600_000).toISOString().slice(0, 23)}+09:00`;

export const productView = (p: OriginProduct) => ({
  originProduct: {
    statusType: stockOf(p) === 0 && p.statusType === 'SALE' ? 'OUTOFSTOCK' : p.statusType,
    name: p.name,
    salePrice: p.salePrice,
    stockQuantity: stockOf(p),
    detailAttribute: p.options.length
      ? {
        optionInfo: {
          useStockManagement: p.useStockManagement,
          optionCombinationGroupNames: { optionGroupName1: '옵션' },
          optionCombinations: p.options.map((o) => ({ id: o.id, optionName1: o.optionName1, stockQuantity: o.stockQuantity, price: o.price, sellerManagerCode: `SM-${o.id}`, usable: o.usable })),
        },
      }
      : {},
  },
  smartstoreChannelProduct: { channelProductNo: p.originProductNo + 9_000_000, channelProductDisplayStatusType: 'ON' },
});

export const feedEntry = (o: ProductOrder) => ({
  orderId: o.orderId,
  productOrderId: o.productOrderId,
  lastChangedType: o.lastChangedType,
  paymentDate: kst(o.paymentDate),
  lastChangedDate: kst(o.lastChangedDate),
  productOrderStatus: o.status,
  ...(o.claimType ? { claimType: o.claimType, claimStatus: o.claimStatus } : {}),
  receiverAddressChanged: false,
});

export const productOrderView = (o: ProductOrder) => ({
  order: { orderId: o.orderId, paymentDate: kst(o.paymentDate) },
  productOrder: {
    productOrderId: o.productOrderId,
    productOrderStatus: o.status,
    productId: String(Number(o.originalProductId) + 9_000_000),
    originalProductId: o.originalProductId,
    ...(o.optionCode ? { optionCode: o.optionCode } : {}),
    quantity: o.quantity,
    unitPrice: o.unitPrice,
    optionPrice: 0,
    totalPaymentAmount: o.unitPrice * o.quantity,
    ...(o.claimType ? { claimType: o.claimType, claimStatus: o.claimStatus } : {}),
  },
});

/** Entries with lastChangedDate in [from, to), resumed at (moreFrom, moreSequence) when given. */
export const feedPage = (data: SellerData, from: number, to: number, moreSequence: number | null, limit: number) => {
  const inRange = [...data.orders.values()]
    .filter((o) => o.lastChangedDate >= from && o.lastChangedDate < to && (moreSequence === null || o.lastChangedDate > from || o.sequence >= moreSequence))
    .sort((a, b) => a.lastChangedDate - b.lastChangedDate || a.sequence - b.sequence);
  const page = inRange.slice(0, limit);
  const next = inRange[limit];
  return {
    lastChangeStatuses: page.map(feedEntry),
    count: page.length,
    ...(next ? { more: { moreFrom: kst(next.lastChangedDate), moreSequence: String(next.sequence) } } : {}),
  };
};
