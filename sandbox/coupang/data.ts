/**
 * Deterministic data for the Coupang sandbox. Partners search results are drawn from the Naver sandbox's own
 * catalogue for the same keyword, so a cross-market comparison finds real matches (the same product reworded,
 * at another price), near misses (same brand, another size) and listings found only on Coupang.
 */
import { hash, shoppingItems, stream } from '../naver/data.ts';

export interface PartnersItem {
  keyword: string;
  rank: number;
  productId: number;
  productName: string;
  productPrice: number;
  productImage: string;
  productUrl: string;
  isRocket: boolean;
  isFreeShipping: boolean;
  isAdvertisingProduct: boolean;
}

/** Coupang's own brands, which Naver's catalogue does not carry. */
const COUPANG_ONLY_BRANDS = ['탐사', '코멧', '곰곰', '홈플래닛'];
const COLOURS = ['블랙', '그레이', '네이비', '베이지'];

/** Naver sandbox titles read `brand adjective <b>keyword</b> N호`; the parts we reword. */
const parts = (title: string, keyword: string) => {
  const size = /(\d+)호\s*$/.exec(title)?.[1] ?? '1';
  const brand = title.split(' ')[0]!;
  return { brand, size: Number(size), keyword };
};

const won10 = (n: number) => Math.max(10, Math.round(n / 10) * 10);

/**
 * The top `limit` (1..10) Partners results for a keyword. Ranks 1, 3, 5, 7 are the same products as Naver
 * listings (brand, keyword and size kept, words reordered, price within +-15%); ranks 2 and 6 are near misses
 * (a Naver product's brand and keyword in another size); the rest are Coupang's own brands.
 */
export const partnersItems = (keyword: string, limit: number): PartnersItem[] => {
  const naver = shoppingItems(keyword, 40);
  const items: PartnersItem[] = [];
  for (let i = 0; i < Math.min(limit, 10); i++) {
    const r = stream(`coupang:${keyword}:${i}`);
    const rank = i + 1;
    const source = naver.length ? naver[Math.floor(r() * Math.min(20, naver.length))]! : null;
    let name: string;
    let price: number;
    if (source && [0, 2, 4, 6].includes(i)) {
      const p = parts(source.title.replace(/<\/?b>/g, ''), keyword);
      name = `${p.brand} ${p.keyword} ${p.size}호 ${COLOURS[Math.floor(r() * COLOURS.length)]}`;
      price = won10(Number(source.lprice) * (0.85 + r() * 0.3));
    } else if (source && [1, 5].includes(i)) {
      const p = parts(source.title.replace(/<\/?b>/g, ''), keyword);
      // A size no Naver listing of this brand has, so it is a miss against the whole page, not just its source.
      const taken = new Set(naver.filter((n) => n.title.startsWith(`${p.brand} `)).map((n) => parts(n.title, keyword).size));
      const size = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].find((n) => n !== p.size && !taken.has(n)) ?? 12;
      name = `${p.brand} ${p.keyword} ${size}호 기획세트`;
      price = won10(Number(source.lprice) * (0.9 + r() * 0.4));
    } else {
      const brand = COUPANG_ONLY_BRANDS[Math.floor(r() * COUPANG_ONLY_BRANDS.length)]!;
      name = `${brand} ${keyword} ${['실속형', '대형', '2개입', '스탠다드'][Math.floor(r() * 4)]}`;
      price = won10(9_900 + r() * 120_000);
    }
    const productId = 1_000_000_000 + (hash(`coupang:${keyword}:${i}`) % 8_000_000_000);
    items.push({
      keyword,
      rank,
      productId,
      productName: name,
      productPrice: price,
      productImage: `https://thumbnail.coupangcdn.com/thumbnails/remote/230x230ex/image/vendor_inventory/${productId}.jpg`,
      productUrl: `https://link.coupang.com/re/AFFSDP?pageKey=${productId}&itemId=${productId + 7}`,
      isRocket: r() < 0.5,
      isFreeShipping: r() < 0.7,
      isAdvertisingProduct: i === 0 && r() < 0.5,
    });
  }
  return items;
};

// ---- Wing: one vendor's catalogue, orders, returns and revenue -----------------------------------------------

export const WING_PRODUCT_COUNT = 230;
const PRODUCT_WORDS = ['캠핑의자', '텐트', '랜턴', '롱패딩', '선풍기', '키보드', '마우스', '비타민', '수납함', '래쉬가드'];
const STATUSES = ['승인완료', '승인완료', '승인완료', '부분승인완료', '임시저장'];

export interface WingProduct {
  sellerProductId: number;
  sellerProductName: string;
  displayCategoryCode: number;
  vendorId: string;
  brand: string;
  statusName: string;
  createdAt: string;
  saleStartedAt: string;
  saleEndedAt: string;
  items: Array<{ vendorItemId: number; itemName: string; originalPrice: number; salePrice: number; maximumBuyCount: number; externalVendorSku: string }>;
}

const pad = (n: number) => String(n).padStart(2, '0');
const isoLocal = (ms: number) => {
  const d = new Date(ms + 9 * 3_600_000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
};

/** Product n (0-based) of a vendor; ids are larger than 2^31 on purpose (clients must keep them exact). */
export const wingProduct = (vendorId: string, n: number): WingProduct => {
  const r = stream(`wing:${vendorId}:${n}`);
  const word = PRODUCT_WORDS[n % PRODUCT_WORDS.length]!;
  const sellerProductId = 13_000_000_000 + n * 17 + (hash(vendorId) % 10);
  const base = won10(9_900 + r() * 150_000);
  const options = 1 + Math.floor(r() * 3);
  const created = Date.UTC(2026, 0, 1) + Math.floor(r() * 300) * 86_400_000;
  return {
    sellerProductId,
    sellerProductName: `한빛 ${word} ${n + 1}번 상품`,
    displayCategoryCode: 50_000_000 + (n % 7),
    vendorId,
    brand: '한빛',
    statusName: STATUSES[n % STATUSES.length]!,
    createdAt: isoLocal(created),
    saleStartedAt: isoLocal(created + 86_400_000),
    saleEndedAt: '2099-01-01T23:59:59',
    items: Array.from({ length: options }, (_, k) => ({
      vendorItemId: 80_000_000_000 + n * 10 + k,
      itemName: `${COLOURS[k]}`,
      originalPrice: won10(base * 1.2),
      salePrice: won10(base + k * 1_000),
      maximumBuyCount: 99,
      externalVendorSku: `HB-${n}-${k}`,
    })),
  };
};

export const wingProductById = (vendorId: string, sellerProductId: number): WingProduct | null => {
  const offset = sellerProductId - 13_000_000_000 - (hash(vendorId) % 10);
  if (offset < 0 || offset % 17 !== 0 || offset / 17 >= WING_PRODUCT_COUNT) return null;
  return wingProduct(vendorId, offset / 17);
};

export const inventoryOf = (vendorId: string, vendorItemId: number) => {
  const n = Math.floor((vendorItemId - 80_000_000_000) / 10);
  const k = (vendorItemId - 80_000_000_000) % 10;
  const product = n >= 0 && n < WING_PRODUCT_COUNT ? wingProduct(vendorId, n) : null;
  const item = product?.items[k];
  if (!item) return null;
  const r = stream(`stock:${vendorId}:${vendorItemId}`);
  return { sellerItemId: vendorItemId - 70_000_000_000, amountInStock: Math.floor(r() * 200), salePrice: item.salePrice, onSale: r() < 0.9 };
};

export const ORDER_STATUSES = ['ACCEPT', 'INSTRUCT', 'DEPARTURE', 'DELIVERING', 'FINAL_DELIVERY', 'NONE_TRACKING'] as const;

/** Orders per KST day: the same day always has the same orders. */
export const ordersOfDay = (vendorId: string, day: string) => {
  const r = stream(`orders:${vendorId}:${day}`);
  const count = 3 + Math.floor(r() * 6);
  const dayStart = Date.parse(`${day}T00:00:00+09:00`);
  return Array.from({ length: count }, (_, i) => {
    const product = wingProduct(vendorId, Math.floor(r() * WING_PRODUCT_COUNT));
    const item = product.items[Math.floor(r() * product.items.length)]!;
    const units = 1 + Math.floor(r() * 3);
    const at = dayStart + Math.floor(r() * 86_000_000);
    const dayDigits = day.replaceAll('-', '');
    // 18 digits: beyond a double's exact integers, so it only survives as a string.
    const shipmentBoxId = `6${dayDigits}${String(hash(`${vendorId}:${day}:${i}`) % 1_000_000_000).padStart(9, '0')}`;
    return {
      shipmentBoxId,
      orderId: `3${dayDigits}${String(i).padStart(6, '0')}`,
      orderedAt: isoLocal(at),
      paidAt: isoLocal(at + 60_000),
      status: ORDER_STATUSES[Math.floor(r() * ORDER_STATUSES.length)]!,
      shippingPrice: r() < 0.6 ? 0 : 3_000,
      remotePrice: 0,
      deliveryCompanyName: 'CJ 대한통운',
      invoiceNumber: String(500_000_000_000 + (hash(shipmentBoxId) % 99_999_999)),
      deliveredDate: '',
      receiver: { name: '홍*동', safeNumber: '0502-****-1234', addr1: '서울특별시 강남구', addr2: '***', postCode: '06000' },
      orderItems: [
        {
          vendorItemId: item.vendorItemId,
          vendorItemName: `${product.sellerProductName}, ${item.itemName}`,
          productId: product.sellerProductId + 1,
          sellerProductId: product.sellerProductId,
          sellerProductName: product.sellerProductName,
          sellerProductItemName: item.itemName,
          externalVendorSkuCode: item.externalVendorSku,
          shippingCount: units,
          salesPrice: item.salePrice,
          orderPrice: item.salePrice * units,
          discountPrice: 0,
          cancelCount: 0,
          holdCountForCancel: 0,
          confirmDate: '',
          estimatedShippingDate: day,
          canceled: false,
        },
      ],
    };
  });
};

export const returnsOfDay = (vendorId: string, day: string) => {
  const r = stream(`returns:${vendorId}:${day}`);
  const count = Math.floor(r() * 3);
  return Array.from({ length: count }, (_, i) => {
    const order = ordersOfDay(vendorId, day)[i]!;
    const cancel = r() < 0.4;
    return {
      receiptId: 400_000_000 + (hash(`${vendorId}:${day}:r${i}`) % 99_999_999),
      orderId: Number(order.orderId),
      receiptType: cancel ? 'CANCEL' : 'RETURN',
      receiptStatus: cancel ? 'CANCEL_REQUEST' : ['RETURNS_UNCHECKED', 'VENDOR_WAREHOUSE_CONFIRM', 'REQUEST_COUPANG_CHECK', 'RETURNS_COMPLETED'][Math.floor(r() * 4)]!,
      statusCode: cancel ? 'CANCEL' : ['RU', 'UC', 'PR', 'CC'][Math.floor(r() * 4)]!,
      createdAt: order.paidAt,
      cancelReason: cancel ? '단순변심' : '상품불량',
      cancelCountSum: 1,
      faultByType: cancel ? 'CUSTOMER' : 'VENDOR',
      returnItems: [{ vendorItemId: order.orderItems[0]!.vendorItemId, cancelCount: 1, purchaseCount: order.orderItems[0]!.shippingCount, shipmentBoxId: order.shipmentBoxId }],
    };
  });
};

/**
 * Coupang's fee rule: the service fee is the sale amount times the ratio (percent, ex VAT), rounded to the won;
 * its VAT is a tenth of it, rounded; the settlement is what is left. 31,670 at 8% gives 2,534, 253 and 28,883.
 */
export const feeLine = (saleAmount: number, ratio: number) => {
  const serviceFee = Math.round((saleAmount * ratio) / 100);
  const serviceFeeVat = Math.round(serviceFee / 10);
  return { serviceFee, serviceFeeVat, settlementAmount: saleAmount - serviceFee - serviceFeeVat };
};

/** Revenue lines recognised on a KST day; the first day of every month opens with the documented example. */
export const revenueOfDay = (vendorId: string, day: string) => {
  const r = stream(`revenue:${vendorId}:${day}`);
  const count = 2 + Math.floor(r() * 4);
  return Array.from({ length: count }, (_, i) => {
    const example = i === 0 && day.endsWith('-01');
    const salePrice = example ? 31_670 : won10(9_900 + r() * 90_000);
    const quantity = example ? 1 : 1 + Math.floor(r() * 2);
    const ratio = example ? 8 : [5.8, 7.8, 8, 10.5][Math.floor(r() * 4)]!;
    const saleAmount = salePrice * quantity;
    const refund = !example && r() < 0.1;
    const sign = refund ? -1 : 1;
    const fee = feeLine(saleAmount, ratio);
    return {
      orderId: 3_000_000_000_000 + (hash(`${vendorId}:${day}:rev${i}`) % 999_999_999),
      saleType: refund ? 'REFUND' : 'SALE',
      saleDate: day,
      recognitionDate: day,
      settlementDate: day,
      finalSettlementDate: day,
      deliveryFee: { amount: 0, fee: 0, feeVat: 0, feeRatio: 3, settlementAmount: 0 },
      items: [
        {
          taxType: 'TAX',
          productId: 7_000_000_000 + i,
          vendorItemId: 80_000_000_000 + i,
          vendorItemName: example ? '문서 예시 상품' : `한빛 상품 ${i + 1}`,
          salePrice,
          quantity,
          coupangDiscountCoupon: 0,
          sellerDiscountCoupon: 0,
          saleAmount: sign * saleAmount,
          serviceFee: sign * fee.serviceFee,
          serviceFeeVat: sign * fee.serviceFeeVat,
          serviceFeeRatio: ratio,
          settlementAmount: sign * fee.settlementAmount,
          externalSellerSkuCode: `HB-${i}`,
        },
      ],
    };
  });
};

/** The KST days from `from` to `to`, both included. */
export const daysBetween = (from: string, to: string): string[] => {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
};
