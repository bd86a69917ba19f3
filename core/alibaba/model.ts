/**
 * The alibaba context's vocabulary: 1688 offers found by keyword or image, their detail (SKUs, quantity price
 * tiers, weights), and how a Korean query became the Chinese terms searched. Prices are integer fen (1/100 yuan);
 * every provider answer carries where it came from and when.
 */

import type { Provenance, Sourced } from '../shared/provenance.ts';

export type { Provenance, Sourced };

export const SOURCES = {
  keywordSearch: '1688:product.search.keywordQuery',
  imageSearch: '1688:product.search.imageQuery',
  detail: '1688:product.search.queryProductDetail',
} as const;

// ---- Search ----------------------------------------------------------------------------------------------

export type OfferSort = 'relevance' | 'price_asc' | 'price_desc' | 'sales_desc';
export const OFFER_SORTS = ['relevance', 'price_asc', 'price_desc', 'sales_desc'] as const satisfies readonly OfferSort[];

/** 1688 serves at most 50 offers a page. */
export const MAX_PAGE_SIZE = 50;

/** One page of offers for a Chinese keyword, as the provider is asked. */
export interface KeywordPageQuery {
  keyword: string;
  page: number;
  pageSize: number;
  /** Yuan, inclusive. */
  priceMin?: number | undefined;
  priceMax?: number | undefined;
  sort: OfferSort;
}

/** auto: a query with Hangul is translated into Chinese search terms; off: searched as given. */
export type TranslateMode = 'auto' | 'off';

export interface OfferSearchQuery extends KeywordPageQuery {
  translate: TranslateMode;
}

export interface Offer {
  offerId: string;
  /** Chinese, as the supplier wrote it. */
  subject: string;
  /** 1688's translation of the subject (Korean when asked for `ko`), or null. */
  subjectTranslated: string | null;
  imageUrl: string | null;
  /** Fen; null when 1688 gives no usable price. */
  priceFen: number | null;
  promotionPriceFen: number | null;
  consignPriceFen: number | null;
  monthSold: number | null;
  /** Percent of buyers who ordered again ("10%" -> 10). */
  repurchaseRatePercent: number | null;
  minOrderQuantity: number | null;
  tradeScore: number | null;
  sellerIdentities: string[];
  categoryId: string | null;
  /** 1688's shipping promise (`shippingTimeGuarantee`, e.g. `shipIn48Hours`), or null. */
  shippingPromise: string | null;
}

export interface OfferPage {
  total: number;
  totalPages: number;
  page: number;
  pageSize: number;
  offers: Offer[];
}

/** One Korean term and the Chinese the translator gave it. */
export interface TermTranslation {
  from: string;
  to: string;
}

/** How the searched terms were obtained. */
export type TranslationMethod = 'as_given' | 'glossary' | 'llm';

export interface Translation {
  /** The Chinese search terms, in query order. */
  terms: string[];
  method: Exclude<TranslationMethod, 'as_given'>;
  translated: TermTranslation[];
  /** Korean words the translator had no term for (left out of the search). */
  untranslated: string[];
}

export interface SearchedTerms {
  /** What the caller asked. */
  query: string;
  /** The keyword sent to 1688 (the terms joined by spaces). */
  keyword: string;
  terms: string[];
  method: TranslationMethod;
  translated: TermTranslation[];
  untranslated: string[];
}

export interface OfferSearchResult extends OfferPage {
  searched: SearchedTerms;
}

// ---- Image search ----------------------------------------------------------------------------------------

/**
 * Decoded image bytes at most this size: base64 grows it by a third, and a request body is at most 1 MiB (the
 * toolkit's limit), so 750 KiB is the most that fits; larger images go by `imageUrl`.
 */
export const MAX_IMAGE_BYTES = 750 * 1024;
/** Base64 characters of MAX_IMAGE_BYTES, plus room for a data: URL prefix. */
export const MAX_IMAGE_BASE64_CHARS = (MAX_IMAGE_BYTES / 3) * 4 + 100;
export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'gif' | 'bmp';

export type ImageQuery =
  | { kind: 'upload'; imageBase64: string; format: ImageFormat; bytes: number; page: number; pageSize: number }
  | { kind: 'url'; imageUrl: string; page: number; pageSize: number };

export interface ImageSearchResult extends OfferPage {
  /** The id 1688 gave the uploaded image, or the address it fetched. */
  image: { kind: 'upload'; imageId: string; format: ImageFormat; bytes: number } | { kind: 'url'; imageUrl: string };
}

// ---- Detail ----------------------------------------------------------------------------------------------

/** 1688's quoteType: 0 priced by quantity without SKUs, 1 priced per SKU, 2 SKUs priced by quantity tiers. */
export type QuoteType = 'by_quantity' | 'by_sku' | 'sku_by_quantity';
export const QUOTE_TYPES = ['by_quantity', 'by_sku', 'sku_by_quantity'] as const satisfies readonly QuoteType[];

export interface OfferPriceTier {
  /** `startQuantity`: the tier applies from this many units. */
  minQuantity: number;
  unitPriceFen: number;
}

export interface SkuAttribute {
  name: string;
  nameTranslated: string | null;
  value: string;
  valueTranslated: string | null;
  imageUrl: string | null;
}

export interface Sku {
  skuId: string;
  specId: string | null;
  stock: number | null;
  priceFen: number | null;
  promotionPriceFen: number | null;
  attributes: SkuAttribute[];
  /** Per-SKU packed weight where 1688 gives one. */
  weightGrams: number | null;
}

export interface OfferDetail {
  offerId: string;
  subject: string;
  subjectTranslated: string | null;
  categoryId: string | null;
  status: string | null;
  minOrderQuantity: number;
  quoteType: QuoteType;
  /** Quantity tiers, ascending (used by by_quantity and sku_by_quantity). */
  priceTiers: OfferPriceTier[];
  skus: Sku[];
  stock: number | null;
  unit: string | null;
  shipping: { weightKg: number | null; lengthCm: number | null; widthCm: number | null; heightCm: number | null };
  seller: { openId: string | null; companyName: string | null };
  images: string[];
}
