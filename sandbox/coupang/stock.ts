/**
 * What changes in a Wing account while the sandbox runs, kept per vendor: stock set by `PUT .../quantities`, items
 * registered by a test (any vendorItemId of up to 20 digits, Rocket Growth or not), and the orders, cancels and
 * returns a test emits, which the order sheet and return searches serve beside the deterministic ones. Ids are
 * made from a per-vendor sequence, so a run that emits the same events gets the same ids.
 */
import { hash, stream } from '../naver/data.ts';
import { inventoryOf, WING_PRODUCT_COUNT, wingProduct } from './data.ts';

export interface EmittedSheet {
  shipmentBoxId: string;
  orderId: string;
  orderedAt: string;
  paidAt: string;
  status: string;
  orderItems: Array<{ vendorItemId: string; shippingCount: number; cancelCount: number; salesPrice: number; canceled: boolean }>;
}

export interface EmittedReceipt {
  receiptId: number;
  orderId: string;
  receiptType: 'CANCEL' | 'RETURN';
  receiptStatus: string;
  statusCode: string;
  createdAt: string;
  returnItems: Array<{ vendorItemId: string; cancelCount: number; purchaseCount: number; shipmentBoxId: string }>;
}

interface VendorState {
  /** amountInStock by vendorItemId, once set or moved by an order. */
  stock: Map<string, number>;
  /** Items a test registered: their sale price and, for Rocket Growth items, the warehouse's orderable units. */
  items: Map<string, { salePrice: number; rocketGrowth: number | null }>;
  /** Orderable units of deterministic Rocket Growth items, once a test set them. */
  rocketGrowth: Map<string, number>;
  sheets: EmittedSheet[];
  receipts: EmittedReceipt[];
  seq: number;
}

const pad = (n: number) => String(n).padStart(2, '0');
/** `yyyy-MM-ddTHH:mm:ss` in Korea. */
export const kstLocal = (ms: number): string => {
  const d = new Date(ms + 9 * 3_600_000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
};

/** Every fifth catalogue product is sold through Rocket Growth: its items and their warehouse stock. */
export const rocketGrowthCatalogue = (vendorId: string): Array<{ vendorItemId: string; externalSkuId: string; quantity: number }> => {
  const out: Array<{ vendorItemId: string; externalSkuId: string; quantity: number }> = [];
  for (let n = 0; n < WING_PRODUCT_COUNT; n += 5) {
    for (const item of wingProduct(vendorId, n).items) {
      out.push({ vendorItemId: String(item.vendorItemId), externalSkuId: item.externalVendorSku, quantity: Math.floor(stream(`rg:${vendorId}:${item.vendorItemId}`)() * 500) });
    }
  }
  return out;
};

export const wingState = () => {
  const vendors = new Map<string, VendorState>();
  const of = (vendorId: string): VendorState => {
    let v = vendors.get(vendorId);
    if (!v) vendors.set(vendorId, (v = { stock: new Map(), items: new Map(), rocketGrowth: new Map(), sheets: [], receipts: [], seq: 0 }));
    return v;
  };
  const catalogued = (vendorId: string, vendorItemId: string) => (/^\d{1,15}$/.test(vendorItemId) ? inventoryOf(vendorId, Number(vendorItemId)) : null);

  return {
    reset: () => vendors.clear(),

    /** The item's stock as `GET .../inventories` answers it, or null when the vendor has no such item. */
    inventory: (vendorId: string, vendorItemId: string) => {
      const v = of(vendorId);
      const registered = v.items.get(vendorItemId);
      const base = catalogued(vendorId, vendorItemId);
      if (!registered && !base) return null;
      const amountInStock = v.stock.get(vendorItemId) ?? base?.amountInStock ?? 0;
      return base
        ? { ...base, amountInStock }
        : { sellerItemId: null, amountInStock, salePrice: registered!.salePrice, onSale: true };
    },

    setStock: (vendorId: string, vendorItemId: string, quantity: number): boolean => {
      const v = of(vendorId);
      if (!v.items.has(vendorItemId) && !catalogued(vendorId, vendorItemId)) return false;
      v.stock.set(vendorItemId, quantity);
      return true;
    },

    register: (vendorId: string, item: { vendorItemId: string; amountInStock: number; salePrice: number; rocketGrowth: number | null }) => {
      const v = of(vendorId);
      v.items.set(item.vendorItemId, { salePrice: item.salePrice, rocketGrowth: item.rocketGrowth });
      v.stock.set(item.vendorItemId, item.amountInStock);
    },

    /** Rocket Growth stock, deterministic items then registered ones, in vendorItemId order as strings. */
    rocketGrowth: (vendorId: string): Array<{ vendorItemId: string; externalSkuId: string; quantity: number }> => {
      const v = of(vendorId);
      const out = rocketGrowthCatalogue(vendorId).map((i) => ({ ...i, quantity: v.rocketGrowth.get(i.vendorItemId) ?? i.quantity }));
      for (const [vendorItemId, item] of v.items) {
        if (item.rocketGrowth !== null) out.push({ vendorItemId, externalSkuId: `SKU-${vendorItemId}`, quantity: item.rocketGrowth });
      }
      return out;
    },

    setRocketGrowth: (vendorId: string, vendorItemId: string, quantity: number): boolean => {
      const v = of(vendorId);
      const registered = v.items.get(vendorItemId);
      if (registered && registered.rocketGrowth !== null) {
        registered.rocketGrowth = quantity;
        return true;
      }
      if (!rocketGrowthCatalogue(vendorId).some((i) => i.vendorItemId === vendorItemId)) return false;
      v.rocketGrowth.set(vendorItemId, quantity);
      return true;
    },

    /** A paid order of `quantity` units of one item: its sheet (status ACCEPT unless told), and Wing's stock falls. */
    order: (vendorId: string, input: { vendorItemId: string; quantity: number; at: number; status: string }): EmittedSheet | string => {
      const v = of(vendorId);
      const item = v.items.get(input.vendorItemId) ?? catalogued(vendorId, input.vendorItemId);
      if (!item) return `vendor item ${input.vendorItemId} does not exist`;
      v.seq++;
      const tag = String(hash(vendorId) % 1000).padStart(3, '0');
      const sheet: EmittedSheet = {
        // 18 digits, past a double's exact integers.
        shipmentBoxId: `7${tag}${String(v.seq).padStart(14, '0')}`,
        orderId: `9${tag}${String(v.seq).padStart(10, '0')}`,
        orderedAt: kstLocal(input.at),
        paidAt: kstLocal(input.at),
        status: input.status,
        orderItems: [{ vendorItemId: input.vendorItemId, shippingCount: input.quantity, cancelCount: 0, salesPrice: item.salePrice, canceled: false }],
      };
      v.sheets.push(sheet);
      const stock = v.stock.get(input.vendorItemId) ?? (catalogued(vendorId, input.vendorItemId)?.amountInStock ?? 0);
      v.stock.set(input.vendorItemId, Math.max(0, stock - input.quantity));
      return sheet;
    },

    /**
     * A cancel (before shipment) or a return of `quantity` units of an emitted order's item. A cancel lowers the
     * sheet's shippingCount and raises its cancelCount (shippingCount is net of cancels; a fully cancelled sheet
     * stays, `canceled` true) and gives Wing's stock back; a return leaves the sheet and the stock as they are.
     */
    receipt: (vendorId: string, input: { kind: 'cancel' | 'return'; shipmentBoxId: string; vendorItemId: string; quantity: number; at: number; status: string }): EmittedReceipt | string => {
      const v = of(vendorId);
      const sheet = v.sheets.find((s) => s.shipmentBoxId === input.shipmentBoxId);
      const line = sheet?.orderItems.find((i) => i.vendorItemId === input.vendorItemId);
      if (!sheet || !line) return `shipment box ${input.shipmentBoxId} has no vendor item ${input.vendorItemId}`;
      const returned = v.receipts
        .filter((r) => r.receiptType === 'RETURN')
        .flatMap((r) => r.returnItems)
        .filter((i) => i.shipmentBoxId === input.shipmentBoxId && i.vendorItemId === input.vendorItemId)
        .reduce((n, i) => n + i.cancelCount, 0);
      const left = input.kind === 'cancel' ? line.shippingCount : line.shippingCount - returned;
      if (input.quantity > left) return `only ${left} units of that item can be ${input.kind === 'cancel' ? 'cancelled' : 'returned'}`;
      v.seq++;
      const purchaseCount = line.shippingCount + line.cancelCount;
      if (input.kind === 'cancel') {
        line.shippingCount -= input.quantity;
        line.cancelCount += input.quantity;
        line.canceled = line.shippingCount === 0;
        v.stock.set(input.vendorItemId, (v.stock.get(input.vendorItemId) ?? 0) + input.quantity);
      }
      const receipt: EmittedReceipt = {
        receiptId: 500_000_000 + (hash(vendorId) % 1000) * 100_000 + v.seq,
        orderId: sheet.orderId,
        receiptType: input.kind === 'cancel' ? 'CANCEL' : 'RETURN',
        receiptStatus: input.kind === 'cancel' ? 'CANCEL_REQUEST' : ({ RU: 'RELEASE_STOP_UNCHECKED', UC: 'RETURNS_UNCHECKED', PR: 'REQUEST_COUPANG_CHECK', CC: 'RETURNS_COMPLETED' } as Record<string, string>)[input.status]!,
        statusCode: input.kind === 'cancel' ? 'CANCEL' : input.status,
        createdAt: kstLocal(input.at),
        returnItems: [{ vendorItemId: input.vendorItemId, cancelCount: input.quantity, purchaseCount, shipmentBoxId: input.shipmentBoxId }],
      };
      v.receipts.push(receipt);
      return receipt;
    },

    sheets: (vendorId: string): readonly EmittedSheet[] => of(vendorId).sheets,
    receipts: (vendorId: string): readonly EmittedReceipt[] => of(vendorId).receipts,
  };
};

export type WingState = ReturnType<typeof wingState>;
