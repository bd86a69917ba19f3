/**
 * Whether a Naver listing and a Coupang listing are the same product, from their titles alone (docs/coupang.md,
 * "Matching"). Titles are normalised into tokens; three kinds of token carry the decision:
 * - model numbers (letters and digits together, e.g. `SM-R510N` -> `smr510n`): a shared one makes a match, and
 *   titles that both name models but share none are different products;
 * - quantities (a number with its unit, `3호`, `750ml`, `50포`, or a bare number of 2+ digits): titles naming the
 *   same unit with different values are different products (another size, capacity or count);
 * - the lead token (in Korean listings, the brand): different leads, neither found in the other title nor a prefix
 *   of the other lead, are different brands.
 * Two neighbouring tokens are read as one where the other title writes them as one (Korean spacing varies), and a
 * pack count above one (`x 3박스`) on one side only makes a multi-pack, not the same product.
 * Otherwise the score is the Dice coefficient of the two token sets; a pair matches at MATCH_THRESHOLD or above.
 */

export const MATCH_THRESHOLD = 0.5;

/** Marketing words and years that say nothing about which product it is. */
const STOPWORDS = new Set([
  '무료배송', '국내배송', '당일발송', '당일출고', '정품', '신상', '신상품', '특가', '세일', '할인', '인기', '추천', '베스트', 'best', 'new', '최신형',
  '로켓배송', '공식', '단독', '쿠팡', '네이버', '쇼핑', '초특가', '한정', '빠른배송', 'x',
]);
const YEAR = /^20[1-3]\d$/;

/** Units whose values name a size, capacity or count, folded to one unit per dimension. */
const UNITS: Record<string, { unit: string; factor: number }> = {
  ml: { unit: 'ml', factor: 1 }, l: { unit: 'ml', factor: 1000 }, g: { unit: 'g', factor: 1 }, kg: { unit: 'g', factor: 1000 },
  mm: { unit: 'mm', factor: 1 }, cm: { unit: 'mm', factor: 10 }, m: { unit: 'mm', factor: 1000 }, 인치: { unit: 'inch', factor: 1 }, inch: { unit: 'inch', factor: 1 },
  개: { unit: '개', factor: 1 }, 개입: { unit: '개', factor: 1 }, ea: { unit: '개', factor: 1 }, 매: { unit: '매', factor: 1 }, 호: { unit: '호', factor: 1 },
  인용: { unit: '인용', factor: 1 }, 포: { unit: '포', factor: 1 }, 정: { unit: '정', factor: 1 }, 캡슐: { unit: '정', factor: 1 }, 팩: { unit: '팩', factor: 1 },
  박스: { unit: '박스', factor: 1 }, 종: { unit: '종', factor: 1 }, 세대: { unit: '세대', factor: 1 }, 단: { unit: '단', factor: 1 }, 구: { unit: '구', factor: 1 },
  w: { unit: 'w', factor: 1 }, v: { unit: 'v', factor: 1 }, mah: { unit: 'mah', factor: 1 }, gb: { unit: 'gb', factor: 1 }, tb: { unit: 'gb', factor: 1024 },
  루멘: { unit: 'lm', factor: 1 }, lm: { unit: 'lm', factor: 1 },
};
const QUANTITY = /^(\d+(?:\.\d+)?)([a-z가-힣]+)?$/;

export interface TitleFeatures {
  tokens: Set<string>;
  models: Set<string>;
  /** Unit -> the values the title names in it. */
  quantities: Map<string, Set<number>>;
  lead: string | null;
}

/** Lower case, compatibility forms folded, punctuation to spaces, Hangul split from Latin letters. */
export const titleTokens = (title: string): string[] =>
  title
    .normalize('NFKC')
    .toLowerCase()
    .replace(/<[^>]*>/g, ' ')
    .replace(/&[a-z]+;/g, ' ')
    .replace(/[^\p{L}\p{N}\s.\-+]/gu, ' ')
    .replace(/(\p{Script=Hangul})(?=[a-z])|([a-z])(?=\p{Script=Hangul})/gu, '$1$2 ')
    .split(/\s+/)
    .map((t) => t.replace(/^[.\-+]+|[.\-+]+$/g, ''))
    .filter((t) => t !== '' && !STOPWORDS.has(t) && !YEAR.test(t));

const quantityOf = (token: string): { unit: string; value: number } | null => {
  const m = QUANTITY.exec(token);
  if (!m) return null;
  const value = Number(m[1]);
  if (m[2] === undefined) return m[1]!.length >= 2 ? { unit: 'number', value } : null;
  const unit = UNITS[m[2]];
  return unit ? { unit: unit.unit, value: value * unit.factor } : null;
};

/** Letters and digits together, at least 3 characters once hyphens go: a model number. */
const modelOf = (token: string): string | null => {
  const compact = token.replace(/[-.]/g, '');
  return compact.length >= 3 && /[a-z]/.test(compact) && /\d/.test(compact) && /^[a-z0-9]+$/.test(compact) && !quantityOf(token) ? compact : null;
};

/** Korean spacing varies (`체어원`, `체어 원`): two neighbours are joined when the other title has them as one token. */
export const joinSpacing = (list: string[], other: ReadonlySet<string>): string[] => {
  const out: string[] = [];
  for (let i = 0; i < list.length; i++) {
    const joined = i + 1 < list.length ? list[i]! + list[i + 1]! : null;
    if (joined !== null && other.has(joined) && !other.has(list[i]!)) {
      out.push(joined);
      i++;
    } else out.push(list[i]!);
  }
  return out;
};

export const featuresOf = (list: string[]): TitleFeatures => {
  const models = new Set<string>();
  const quantities = new Map<string, Set<number>>();
  for (const token of list) {
    const model = modelOf(token);
    if (model) models.add(model);
    const q = quantityOf(token);
    if (q) quantities.set(q.unit, (quantities.get(q.unit) ?? new Set()).add(q.value));
  }
  return { tokens: new Set(list), models, quantities, lead: list[0] ?? null };
};

export const features = (title: string): TitleFeatures => featuresOf(titleTokens(title));

/** The same model, or one with a single trailing letter more (a market suffix: SM-R510 and SM-R510N). */
const sameModel = (a: string, b: string): boolean => a === b || (Math.abs(a.length - b.length) === 1 && (a.startsWith(b) || b.startsWith(a)) && /[a-z]$/.test(a.length > b.length ? a : b));

/** Units that count packs: more than one on one side only is a multi-pack of the other. */
const PACK_UNITS = ['개', '박스', '팩'];

const quantitiesConflict = (a: TitleFeatures, b: TitleFeatures): boolean => {
  for (const [unit, values] of a.quantities) {
    const other = b.quantities.get(unit);
    if (other && ![...values].some((v) => other.has(v))) return true;
  }
  for (const [x, y] of [[a, b], [b, a]] as const) {
    for (const unit of PACK_UNITS) if (!y.quantities.has(unit) && [...(x.quantities.get(unit) ?? [])].some((v) => v > 1)) return true;
  }
  return false;
};

const leadsConflict = (a: TitleFeatures, b: TitleFeatures): boolean => {
  if (!a.lead || !b.lead || a.lead === b.lead) return false;
  if (b.tokens.has(a.lead) || a.tokens.has(b.lead)) return false;
  return !(a.lead.startsWith(b.lead) || b.lead.startsWith(a.lead));
};

const dice = (a: Set<string>, b: Set<string>): number => {
  if (a.size + b.size === 0) return 0;
  let shared = 0;
  for (const t of a) if (b.has(t)) shared++;
  return (2 * shared) / (a.size + b.size);
};

export interface MatchVerdict {
  match: boolean;
  /** 0..1, 2 decimals; 0 when a rule rules the pair out. */
  score: number;
  basis: 'model' | 'tokens';
  /** Why a pair was ruled out, when it was. */
  conflict?: 'model' | 'quantity' | 'brand';
}

const round2 = (n: number) => Math.round(n * 100) / 100;

export const compareTitles = (a: TitleFeatures, b: TitleFeatures): MatchVerdict => {
  const score = round2(dice(a.tokens, b.tokens));
  if (a.models.size > 0 && b.models.size > 0) {
    const shared = [...a.models].some((m) => [...b.models].some((n) => sameModel(m, n)));
    if (!shared) return { match: false, score: 0, basis: 'model', conflict: 'model' };
    if (quantitiesConflict(a, b)) return { match: false, score: 0, basis: 'model', conflict: 'quantity' };
    return { match: true, score: Math.max(score, 0.9), basis: 'model' };
  }
  if (quantitiesConflict(a, b)) return { match: false, score: 0, basis: 'tokens', conflict: 'quantity' };
  if (leadsConflict(a, b)) return { match: false, score: 0, basis: 'tokens', conflict: 'brand' };
  return { match: score >= MATCH_THRESHOLD, score, basis: 'tokens' };
};

export const matchTitles = (naverTitle: string, coupangTitle: string): MatchVerdict => {
  const a = titleTokens(naverTitle);
  const b = titleTokens(coupangTitle);
  return compareTitles(featuresOf(joinSpacing(a, new Set(b))), featuresOf(joinSpacing(b, new Set(a))));
};
