/**
 * Deterministic 1688 catalogue data for the sandbox: the product families of the Naver sandbox (camping, padded
 * coats, fans, swimwear, furniture, computer accessories, health goods, everyday goods), written in Chinese as 1688
 * suppliers write them, with Korean translations, quantity tiers, SKUs and weights.
 *
 * An offer id carries its family and product template (`6 F T nnnnnnnnn`: 12 digits), so the detail of any offer a
 * search returned can be rebuilt from its id alone, and the same id always gets the same answer.
 */
import { hash, stream } from '../naver/data.ts';

interface Option {
  zh: string;
  ko: string;
}

interface Template {
  zh: string;
  ko: string;
  /** Unit price in yuan at the smallest order. */
  yuan: number;
  weightKg: number;
  cm: [number, number, number];
  /** 0: tiers, no SKUs; 1: one price per SKU; 2: SKUs priced by the tiers. */
  quote: 0 | 1 | 2;
  sku?: { zh: string; ko: string; options: Option[] };
}

interface Family {
  /** Which Chinese keywords land in this family. */
  match: RegExp;
  categoryId: string;
  templates: Template[];
}

const COLOURS: Option[] = [
  { zh: '黑色', ko: '블랙' },
  { zh: '军绿色', ko: '카키' },
  { zh: '米白色', ko: '아이보리' },
];
const SIZES: Option[] = [
  { zh: 'S', ko: 'S' },
  { zh: 'M', ko: 'M' },
  { zh: 'L', ko: 'L' },
  { zh: 'XL', ko: 'XL' },
];

export const FAMILIES: Family[] = [
  {
    match: /露营|帐篷|天幕|营地灯|炉头|卡式炉|套锅|睡袋|折叠椅|户外/,
    categoryId: '1031910',
    templates: [
      { zh: '户外折叠露营椅便携月亮椅', ko: '아웃도어 접이식 캠핑의자 휴대용 문체어', yuan: 38.5, weightKg: 1.45, cm: [40, 15, 12], quote: 2, sku: { zh: '颜色', ko: '색상', options: COLOURS } },
      { zh: '自动速开帐篷户外3-4人防雨', ko: '원터치 텐트 아웃도어 3-4인용 방수', yuan: 96, weightKg: 3.2, cm: [70, 18, 18], quote: 0 },
      { zh: '露营天幕遮阳棚加厚银胶', ko: '캠핑 타프 그늘막 두꺼운 은박 코팅', yuan: 58, weightKg: 1.9, cm: [45, 20, 10], quote: 1, sku: { zh: '尺寸', ko: '사이즈', options: [{ zh: '3x3米', ko: '3x3m' }, { zh: '3x4米', ko: '3x4m' }, { zh: '4x6米', ko: '4x6m' }] } },
      { zh: 'LED露营灯充电营地灯复古马灯', ko: 'LED 캠핑랜턴 충전식 레트로 랜턴', yuan: 21.8, weightKg: 0.42, cm: [14, 14, 22], quote: 0 },
    ],
  },
  {
    match: /羽绒|大衣|夹克|外套|棉服/,
    categoryId: '127380009',
    templates: [
      { zh: '冬季长款羽绒服男女加厚连帽', ko: '겨울 롱패딩 남녀공용 두꺼운 후드', yuan: 168, weightKg: 1.25, cm: [40, 30, 10], quote: 2, sku: { zh: '尺码', ko: '사이즈', options: SIZES } },
      { zh: '轻薄羽绒服短款立领白鸭绒', ko: '경량패딩 숏 스탠드칼라 화이트덕다운', yuan: 89, weightKg: 0.45, cm: [30, 25, 6], quote: 1, sku: { zh: '尺码', ko: '사이즈', options: SIZES } },
      { zh: '羊毛呢大衣女中长款', ko: '여성 울 코트 미디 기장', yuan: 135, weightKg: 1.1, cm: [40, 30, 8], quote: 0 },
    ],
  },
  {
    match: /风扇|空调|循环扇|冷风扇|电扇/,
    categoryId: '201143502',
    templates: [
      { zh: '家用空气循环扇台式静音电风扇', ko: '가정용 서큘레이터 탁상용 저소음 선풍기', yuan: 65, weightKg: 2.3, cm: [32, 28, 40], quote: 0 },
      { zh: '手持小风扇USB充电便携', ko: '휴대용 선풍기 USB 충전식', yuan: 9.9, weightKg: 0.18, cm: [10, 5, 22], quote: 1, sku: { zh: '颜色', ko: '색상', options: [{ zh: '白色', ko: '화이트' }, { zh: '粉色', ko: '핑크' }, { zh: '蓝色', ko: '블루' }] } },
      { zh: '移动冷风扇水冷空调扇', ko: '이동식 냉풍기 수냉식 에어컨 팬', yuan: 148, weightKg: 6.8, cm: [35, 32, 78], quote: 0 },
    ],
  },
  {
    match: /泳衣|泳装|比基尼|防晒衣|沙滩|冲浪/,
    categoryId: '1046682',
    templates: [
      { zh: '长袖防晒泳衣女分体冲浪服', ko: '여성 긴팔 래쉬가드 분리형 서핑복', yuan: 45, weightKg: 0.32, cm: [28, 20, 4], quote: 2, sku: { zh: '尺码', ko: '사이즈', options: SIZES } },
      { zh: '连体泳衣女遮肚显瘦', ko: '여성 원피스 수영복 커버 슬림핏', yuan: 39, weightKg: 0.25, cm: [25, 18, 3], quote: 1, sku: { zh: '尺码', ko: '사이즈', options: SIZES } },
      { zh: '沙滩巾速干大号', ko: '비치 타월 속건 대형', yuan: 12.5, weightKg: 0.38, cm: [30, 20, 5], quote: 0 },
    ],
  },
  {
    match: /椅|书桌|桌|沙发|床|收纳|置物架|柜/,
    categoryId: '122952001',
    templates: [
      { zh: '人体工学办公椅家用电脑椅', ko: '인체공학 사무용의자 가정용 컴퓨터 의자', yuan: 189, weightKg: 13.5, cm: [66, 33, 60], quote: 0 },
      { zh: '折叠收纳箱大容量衣物整理箱', ko: '접이식 수납함 대용량 옷 정리함', yuan: 15.8, weightKg: 0.9, cm: [50, 35, 6], quote: 1, sku: { zh: '规格', ko: '규격', options: [{ zh: '中号', ko: '중형' }, { zh: '大号', ko: '대형' }] } },
      { zh: '简易书桌卧室小桌子', ko: '심플 책상 침실용 미니 테이블', yuan: 72, weightKg: 8.2, cm: [82, 42, 8], quote: 0 },
    ],
  },
  {
    match: /键盘|鼠标|显示器|笔记本|耳机|支架|充电/,
    categoryId: '70806',
    templates: [
      { zh: '机械键盘青轴有线游戏键盘', ko: '기계식키보드 청축 유선 게이밍 키보드', yuan: 79, weightKg: 0.95, cm: [46, 16, 5], quote: 1, sku: { zh: '轴体', ko: '스위치', options: [{ zh: '青轴', ko: '청축' }, { zh: '红轴', ko: '적축' }, { zh: '茶轴', ko: '갈축' }] } },
      { zh: '无线鼠标静音充电办公', ko: '무선마우스 저소음 충전식 사무용', yuan: 18.5, weightKg: 0.12, cm: [13, 8, 5], quote: 0 },
      { zh: '蓝牙耳机真无线降噪', ko: '블루투스이어폰 완전무선 노이즈캔슬링', yuan: 49, weightKg: 0.11, cm: [10, 10, 4], quote: 2, sku: { zh: '颜色', ko: '색상', options: [{ zh: '白色', ko: '화이트' }, { zh: '黑色', ko: '블랙' }] } },
      { zh: '笔记本电脑支架铝合金散热', ko: '노트북거치대 알루미늄 쿨링', yuan: 26, weightKg: 0.68, cm: [28, 24, 4], quote: 0 },
    ],
  },
  {
    match: /口罩|维生素|益生菌|保健|鱼油|蛋白/,
    categoryId: '1813',
    templates: [
      { zh: '一次性口罩三层防护独立包装', ko: '일회용 마스크 3중 보호 개별포장', yuan: 0.18, weightKg: 0.004, cm: [18, 10, 1], quote: 0 },
      { zh: '复合维生素片60粒', ko: '종합 비타민 정 60정', yuan: 16, weightKg: 0.12, cm: [6, 6, 11], quote: 0 },
    ],
  },
];

export const GENERIC: Family = {
  match: /./,
  categoryId: '1501',
  templates: [
    { zh: '家用多功能收纳挂钩', ko: '가정용 다용도 수납 후크', yuan: 2.6, weightKg: 0.05, cm: [10, 6, 3], quote: 0 },
    { zh: '硅胶洗碗海绵厨房用品', ko: '실리콘 수세미 주방용품', yuan: 3.2, weightKg: 0.04, cm: [12, 8, 3], quote: 1, sku: { zh: '颜色', ko: '색상', options: [{ zh: '灰色', ko: '그레이' }, { zh: '绿色', ko: '그린' }] } },
  ],
};

const ALL = [...FAMILIES, GENERIC];
export const familyIndex = (keyword: string): number => {
  const i = FAMILIES.findIndex((f) => f.match.test(keyword));
  return i === -1 ? FAMILIES.length : i;
};

const MODIFIERS: Option[] = [
  { zh: '厂家直销', ko: '공장 직판' },
  { zh: '跨境爆款', ko: '해외직구 인기' },
  { zh: '2025新款', ko: '2025 신상' },
  { zh: '一件代发', ko: '1개 위탁배송' },
  { zh: '批发', ko: '도매' },
];
const IDENTITIES = ['super_factory', 'powerful_merchants', 'tp_member'];
const PROMISES = ['shipIn24Hours', 'shipIn48Hours', null];
const COMPANIES = ['义乌市星辰户外用品有限公司', '广州市白云区尚品服饰厂', '宁波市鑫源电器有限公司', '深圳市华强数码科技有限公司', '杭州优品家居有限公司', '温州市安康护理用品厂'];

const yuan = (fen: number): string => (fen / 100).toFixed(2);
const round2 = (fen: number) => Math.max(1, Math.round(fen));

/** `6 F T nnnnnnnnn`, or null when the id names no family and template. */
export const decodeOfferId = (offerId: string): { family: Family; template: Template; seed: string } | null => {
  const m = /^6(\d)(\d)(\d{9})$/.exec(offerId);
  if (!m) return null;
  const family = ALL[Number(m[1])];
  const template = family?.templates[Number(m[2])];
  return family && template ? { family, template, seed: offerId } : null;
};

const offerIdFor = (f: number, t: number, keyword: string, i: number): string => `6${f}${t}${String(hash(`offer:${keyword}:${i}`) % 1_000_000_000).padStart(9, '0')}`;

/** The full detail `result.result` of an offer, as product.search.queryProductDetail answers it; null when unknown. */
export const offerDetail = (offerId: string): Record<string, unknown> | null => {
  const decoded = decodeOfferId(offerId);
  if (!decoded) return null;
  const { family, template } = decoded;
  const r = stream(`detail:${offerId}`);
  const modifier = MODIFIERS[Math.floor(r() * MODIFIERS.length)]!;
  const baseFen = round2(template.yuan * 100 * (0.8 + r() * 0.4));
  const moq = [1, 2, 3, 5, 10][Math.floor(r() * 5)]! * (template.yuan < 1 ? 100 : 1);
  const tiers = [
    { startQuantity: moq, price: yuan(baseFen) },
    { startQuantity: moq * 10, price: yuan(round2(baseFen * 0.92)) },
    { startQuantity: moq * 50, price: yuan(round2(baseFen * 0.85)) },
  ];
  const options = template.sku?.options ?? [];
  const skus = options.map((o, n) => {
    const priceFen = template.quote === 1 ? round2(baseFen * (1 + n * 0.08)) : baseFen;
    return {
      skuId: `${offerId.slice(-6)}${String(n + 1).padStart(4, '0')}`.replace(/^0/, '5'),
      specId: hash(`spec:${offerId}:${n}`).toString(16).padStart(8, '0'),
      amountOnSale: 200 + Math.floor(r() * 5000),
      price: yuan(priceFen),
      promotionPrice: r() < 0.3 ? yuan(round2(priceFen * 0.95)) : '',
      skuAttributes: [{ attributeName: template.sku!.zh, attributeNameTrans: template.sku!.ko, value: o.zh, valueTrans: o.ko, skuImageUrl: `https://cbu01.alicdn.com/img/ibank/sku/${offerId}-${n}.jpg` }],
    };
  });
  const grams = Math.round(template.weightKg * 1000);
  return {
    offerId: Number(offerId),
    categoryId: Number(family.categoryId),
    subject: `${modifier.zh}${template.zh}`,
    subjectTrans: `${modifier.ko} ${template.ko}`,
    productImage: { images: [0, 1, 2].map((n) => `https://cbu01.alicdn.com/img/ibank/${offerId}-${n}.jpg`) },
    minOrderQuantity: moq,
    status: 'published',
    sellerOpenId: `BBB${hash(`seller:${offerId}`).toString(36)}`,
    companyName: COMPANIES[hash(`company:${offerId}`) % COMPANIES.length],
    productSkuInfos: skus,
    productSaleInfo: {
      amountOnSale: skus.length ? skus.reduce((s, k) => s + k.amountOnSale, 0) : 1000 + Math.floor(r() * 20000),
      quoteType: template.quote,
      // quoteType 1 prices per SKU: its tiers are not used, and 1688 sends none.
      priceRangeList: template.quote === 1 ? [] : tiers,
      unitInfo: { unit: template.yuan < 1 ? '只' : '件', transUnit: '개' },
    },
    productShippingInfo: {
      weight: template.weightKg,
      length: template.cm[0],
      width: template.cm[1],
      height: template.cm[2],
      // Sizes weigh differently; only SKU'd clothing gives per-SKU weights.
      skuShippingInfoList: template.sku?.options === SIZES ? skus.map((s, n) => ({ skuId: s.skuId, weight: Math.round(grams * (0.9 + n * 0.08)) })) : [],
    },
  };
};

/** Rows already built: sorting or filtering a keyword reads every one of its up to 2,000 offers. */
const rows = new Map<string, Record<string, unknown>>();

/** The search row of an offer, from its detail: the lowest price it sells at, its sales and seller signals. */
export const offerRow = (offerId: string): Record<string, unknown> => {
  const known = rows.get(offerId);
  if (known) return known;
  if (rows.size >= 50_000) rows.clear();
  const row = buildRow(offerId);
  rows.set(offerId, row);
  return row;
};

const buildRow = (offerId: string): Record<string, unknown> => {
  const d = offerDetail(offerId)!;
  const sale = d.productSaleInfo as { priceRangeList: Array<{ price: string }> };
  const skus = d.productSkuInfos as Array<{ price: string }>;
  const prices = (sale.priceRangeList.length ? sale.priceRangeList : skus).map((p) => Number(p.price));
  const price = Math.max(...prices);
  const r = stream(`row:${offerId}`);
  return {
    offerId: d.offerId,
    subject: d.subject,
    subjectTrans: d.subjectTrans,
    imageUrl: (d.productImage as { images: string[] }).images[0],
    priceInfo: { price: price.toFixed(2), consignPrice: (price * 1.15).toFixed(2), promotionPrice: r() < 0.3 ? (price * 0.95).toFixed(2) : '' },
    monthSold: Math.floor(r() ** 2 * 20_000),
    repurchaseRate: `${Math.floor(r() * 45)}%`,
    minOrderQuantity: d.minOrderQuantity,
    tradeScore: (3 + r() * 2).toFixed(1),
    sellerIdentities: IDENTITIES.filter(() => r() < 0.4),
    topCategoryId: d.categoryId,
    productSimpleShippingInfo: { shippingTimeGuarantee: PROMISES[Math.floor(r() * PROMISES.length)] },
  };
};

/** How many offers a keyword has: none for 不存在 ("does not exist"), a few hundred to a few thousand otherwise. */
export const keywordTotal = (keyword: string): number => (/不存在/.test(keyword) ? 0 : 120 + Math.floor(stream(`total:${keyword}`)() * 2400));

/** Every offer of a keyword, in relevance order (at most the first 2,000: 40 pages of 50). */
export const keywordOffers = (keyword: string): string[] => {
  const f = familyIndex(keyword);
  const family = ALL[f]!;
  const total = Math.min(keywordTotal(keyword), 2000);
  return Array.from({ length: total }, (_, i) => offerIdFor(f, i % family.templates.length, keyword, i));
};

/** The family an image looks like: derived from the uploaded bytes' or the address's hash. */
export const imageOffers = (imageKey: string): string[] => {
  const f = hash(`image:${imageKey}`) % ALL.length;
  const family = ALL[f]!;
  return Array.from({ length: 200 }, (_, i) => offerIdFor(f, i % family.templates.length, `image:${imageKey}`, i));
};
