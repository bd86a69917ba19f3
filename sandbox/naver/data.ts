/**
 * Deterministic market data for the Naver sandbox: everything is derived from the query text through a stable
 * hash, so the same question always gets the same answer, across runs and machines.
 */

/** FNV-1a over UTF-8, then a splitmix-style finaliser: a stable 32-bit hash. */
export const hash = (text: string): number => {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
};

/** A deterministic stream of numbers in [0, 1) seeded by text. */
export const stream = (seed: string) => {
  let state = hash(seed) || 1;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

interface CategoryProfile {
  match: RegExp;
  path: [string, string, string, string];
  /** Typical price range in won. */
  price: [number, number];
  brands: string[];
  /** Relative demand by calendar month, January first. */
  season: number[];
}

const FLAT = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1];
const PROFILES: CategoryProfile[] = [
  { match: /캠핑|텐트|타프|랜턴|버너|코펠/, path: ['스포츠/레저', '캠핑', '캠핑의자', ''], price: [15_000, 180_000], brands: ['코베아', '헬리녹스', '콜맨', '스노우피크', '캠핑칸'], season: [0.35, 0.4, 0.7, 0.95, 1, 0.75, 0.6, 0.55, 0.85, 1, 0.7, 0.4] },
  { match: /패딩|롱패딩|다운|점퍼|코트/, path: ['패션의류', '남성의류', '패딩', ''], price: [49_000, 390_000], brands: ['노스페이스', '디스커버리', 'K2', '내셔널지오그래픽', '뉴발란스'], season: [0.9, 0.55, 0.3, 0.12, 0.07, 0.05, 0.05, 0.08, 0.2, 0.55, 0.9, 1] },
  { match: /선풍기|에어컨|서큘레이터|냉풍기/, path: ['디지털/가전', '계절가전', '선풍기', ''], price: [29_000, 259_000], brands: ['신일', '한일', '보국', '보네이도', '파세코'], season: [0.05, 0.06, 0.12, 0.3, 0.7, 1, 0.95, 0.6, 0.2, 0.07, 0.05, 0.05] },
  { match: /수영복|래쉬가드|비치/, path: ['패션의류', '여성의류', '수영복', ''], price: [19_000, 89_000], brands: ['배럴', '나이키스윔', '아레나', '레노마'], season: [0.1, 0.1, 0.15, 0.3, 0.65, 0.95, 1, 0.7, 0.2, 0.08, 0.06, 0.08] },
  { match: /의자|책상|소파|침대|수납/, path: ['가구/인테리어', '서재/사무용가구', '의자', ''], price: [39_000, 450_000], brands: ['시디즈', '듀오백', '한샘', '이케아', '데스커'], season: [0.9, 1, 0.95, 0.8, 0.75, 0.7, 0.7, 0.75, 0.8, 0.8, 0.85, 0.9] },
  { match: /키보드|마우스|모니터|노트북|이어폰/, path: ['디지털/가전', 'PC주변기기', '키보드', ''], price: [19_000, 320_000], brands: ['로지텍', '앱코', '레오폴드', '커세어', '삼성전자'], season: [0.8, 0.9, 1, 0.8, 0.75, 0.7, 0.75, 0.75, 0.8, 0.8, 0.95, 0.9] },
  { match: /마스크|비타민|유산균|영양제/, path: ['식품', '건강식품', '영양제', ''], price: [9_900, 69_000], brands: ['종근당', '뉴트리원', '고려은단', '락토핏'], season: [1, 0.9, 0.95, 0.85, 0.8, 0.75, 0.7, 0.7, 0.8, 0.85, 0.9, 1] },
];
const GENERIC: CategoryProfile = { match: /./, path: ['생활/건강', '생활용품', '잡화', ''], price: [5_000, 60_000], brands: ['생활공작소', '모던하우스', '다이소', '리빙코리아'], season: FLAT };

export const profileFor = (text: string): CategoryProfile => PROFILES.find((p) => p.match.test(text)) ?? GENERIC;

const MALLS = ['네이버', '쿠팡', '11번가', 'G마켓', '옥션', 'SSG닷컴', '캠핑아웃도어몰', '스마트스토어 한빛상회', '오늘의집', '위메프'];
const ADJECTIVES = ['초경량', '접이식', '프리미엄', '대용량', '휴대용', '2024 신상', '국내배송', '고급형', '미니', '&amp; 세트'];

export interface SandboxItem {
  title: string;
  link: string;
  image: string;
  lprice: string;
  hprice: string;
  mallName: string;
  productId: string;
  productType: string;
  brand: string;
  maker: string;
  category1: string;
  category2: string;
  category3: string;
  category4: string;
  /** For sorting by date; not sent. */
  order: number;
}

/** Total shopping results for a query: popular short queries have hundreds of thousands, long tails a few. */
export const shoppingTotal = (query: string): number => {
  const q = query.replace(/\s+/g, '');
  if (/희귀|없는상품/.test(q)) return 0;
  const r = stream(`total:${q}`)();
  const scale = Math.max(1, 7 - Math.max(0, q.length - 2));
  return Math.round(10 ** (scale * 0.55 + 1.2 + r * 1.5));
};

/** The first `count` items of a query's catalogue (ordered by relevance). */
export const shoppingItems = (query: string, count: number): SandboxItem[] => {
  const profile = profileFor(query);
  const items: SandboxItem[] = [];
  for (let i = 0; i < count; i++) {
    const r = stream(`item:${query}:${i}`);
    const [lo, hi] = profile.price;
    const base = Math.round((lo + (hi - lo) * r() ** 2) / 10) * 10;
    const type = 1 + Math.floor(r() * 3) + (r() < 0.1 ? 3 : 0) + (r() < 0.03 ? 9 : 0);
    const catalog = (type - 1) % 3 === 0;
    const brand = profile.brands[Math.floor(r() * profile.brands.length)]!;
    const adjective = ADJECTIVES[Math.floor(r() * ADJECTIVES.length)]!;
    const productId = String(80_000_000_000 + (hash(`${query}:${i}`) % 9_000_000_000));
    items.push({
      title: `${brand} ${adjective} <b>${query}</b> ${1 + (i % 9)}호`,
      link: `https://smartstore.naver.com/main/products/${productId}`,
      image: `https://shopping-phinf.pstatic.net/main_${productId.slice(0, 7)}/${productId}.jpg`,
      lprice: String(base),
      hprice: catalog ? String(Math.round((base * (1.2 + r())) / 10) * 10) : r() < 0.5 ? '' : '0',
      mallName: catalog ? '네이버' : MALLS[Math.floor(r() * MALLS.length)]!,
      productId,
      productType: String(type),
      brand: r() < 0.85 ? brand : '',
      maker: r() < 0.7 ? `${brand}코리아` : '',
      category1: profile.path[0],
      category2: profile.path[1],
      category3: profile.path[2],
      category4: profile.path[3],
      order: Math.floor(r() * 1e9),
    });
  }
  return items;
};

// ---- Keyword tool --------------------------------------------------------------------------------------

export interface KeywordRow {
  relKeyword: string;
  monthlyPcQcCnt: number | '< 10';
  monthlyMobileQcCnt: number | '< 10';
  monthlyAvePcClkCnt: number;
  monthlyAveMobileClkCnt: number;
  monthlyAvePcCtr: number;
  monthlyAveMobileCtr: number;
  plAvgDepth: number;
  compIdx: '낮음' | '중간' | '높음';
}

/** Monthly searches: short common keywords are large; long ones and "희귀" ones fall below 10. */
export const monthlyVolume = (keyword: string): { pc: number; mobile: number } => {
  const r = stream(`volume:${keyword}`);
  if (/희귀/.test(keyword)) return { pc: Math.floor(r() * 10), mobile: Math.floor(r() * 10) };
  const magnitude = Math.max(0.3, 5.6 - 0.45 * Math.max(0, keyword.length - 2) + r() * 0.8);
  const total = Math.round(10 ** magnitude);
  const mobileShare = 0.65 + r() * 0.25;
  return { pc: Math.round(total * (1 - mobileShare)), mobile: Math.round(total * mobileShare) };
};

const count = (n: number): number | '< 10' => (n < 10 ? '< 10' : n);
const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

export const keywordRow = (keyword: string, detail: boolean): Partial<KeywordRow> & { relKeyword: string } => {
  const { pc, mobile } = monthlyVolume(keyword);
  const r = stream(`detail:${keyword}`);
  const pcCtr = round(0.3 + r() * 2.5, 2);
  const moCtr = round(0.5 + r() * 3, 2);
  const products = shoppingTotal(keyword);
  const ratio = products / Math.max(1, pc + mobile);
  const row = {
    relKeyword: keyword,
    monthlyPcQcCnt: count(pc),
    monthlyMobileQcCnt: count(mobile),
  };
  if (!detail) return row;
  return {
    ...row,
    monthlyAvePcClkCnt: round((pc * pcCtr) / 100, 1),
    monthlyAveMobileClkCnt: round((mobile * moCtr) / 100, 1),
    monthlyAvePcCtr: pcCtr,
    monthlyAveMobileCtr: moCtr,
    plAvgDepth: Math.min(15, Math.round(2 + r() * 13)),
    compIdx: ratio > 20 ? '높음' : ratio > 3 ? '중간' : '낮음',
  };
};

const PREFIXES = ['경량', '접이식', '가성비', '휴대용', '캠핑용', '미니', '대형'];
const SUFFIXES = ['추천', '세트', '브랜드', '순위', '할인', '리뷰', '최저가', '희귀템'];

/** Related keywords of a hint: 6..12 variants, deterministic. */
export const relatedKeywords = (hint: string): string[] => {
  const r = stream(`related:${hint}`);
  const n = 6 + Math.floor(r() * 7);
  const out = new Set<string>();
  for (let i = 0; out.size < n && i < 40; i++) {
    out.add(r() < 0.5 ? `${PREFIXES[Math.floor(r() * PREFIXES.length)]}${hint}` : `${hint}${SUFFIXES[Math.floor(r() * SUFFIXES.length)]}`);
  }
  out.delete(hint);
  return [...out];
};

// ---- DataLab -------------------------------------------------------------------------------------------

const DAY = 86_400_000;
const parseDay = (d: string) => Date.parse(`${d}T00:00:00Z`);
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Period starts between two dates, as DataLab reports them: the first is the start date itself. */
export const periods = (startDate: string, endDate: string, unit: 'date' | 'week' | 'month'): string[] => {
  const out: string[] = [];
  const end = parseDay(endDate);
  let t = parseDay(startDate);
  while (t <= end) {
    out.push(iso(t));
    const d = new Date(t);
    if (unit === 'date') t += DAY;
    else if (unit === 'week') t += (7 - ((d.getUTCDay() + 6) % 7)) * DAY; // next Monday
    else t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  }
  return out;
};

/** Raw (unnormalised) interest for a set of terms over periods: seasonal curve x slow growth x noise x filter factor. */
export const rawSeries = (terms: string[], points: string[], filterKey: string): number[] => {
  const text = terms.join(' ');
  const profile = profileFor(text);
  const level = terms.reduce((s, t) => s + monthlyVolume(t.replace(/\s+/g, '')).pc + monthlyVolume(t.replace(/\s+/g, '')).mobile, 0);
  const filterFactor = filterKey ? 0.3 + stream(`filter:${text}:${filterKey}`)() * 0.7 : 1;
  return points.map((p, i) => {
    const month = Number(p.slice(5, 7)) - 1;
    const noise = 0.92 + stream(`noise:${text}:${filterKey}:${p}`)() * 0.16;
    return Math.max(0, level * profile.season[month]! * (1 + i * 0.002) * noise * filterFactor);
  });
};

/** Scales every series of a request so its largest value is 100, as DataLab does. */
export const normalise = (series: number[][]): number[][] => {
  const max = Math.max(0, ...series.flat());
  return series.map((s) => s.map((v) => (max > 0 ? Math.round((v / max) * 100 * 100000) / 100000 : 0)));
};
