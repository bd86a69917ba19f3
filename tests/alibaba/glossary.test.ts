/**
 * The offline glossary: its size and shape, how it cuts a query, and its coverage of the sandbox keywords: every
 * product word of the Naver sandbox's families translates, and the Chinese lands in the 1688 sandbox's matching
 * family, so a keyword flows from demand to sourcing offline.
 */
import { describe, expect, it } from 'vitest';
import { GLOSSARY, parseGlossary, translateWithGlossary } from '../../adapters/alibaba/glossary.ts';
import { FAMILIES, familyIndex } from '../../sandbox/alibaba/data.ts';

/** The Naver sandbox's family words (sandbox/naver/data.ts PROFILES) and the 1688 family each belongs to. */
const NAVER_FAMILIES: Array<[string[], number]> = [
  [['캠핑', '텐트', '타프', '랜턴', '버너', '코펠'], 0],
  [['패딩', '롱패딩', '다운', '점퍼', '코트'], 1],
  [['선풍기', '에어컨', '서큘레이터', '냉풍기'], 2],
  [['수영복', '래쉬가드', '비치'], 3],
  [['의자', '책상', '소파', '침대', '수납'], 4],
  [['키보드', '마우스', '모니터', '노트북', '이어폰'], 5],
  [['마스크', '비타민', '유산균', '영양제'], 6],
];
/** Keywords the Naver sandbox's examples and tests use, and its related-keyword prefixes. */
const SELLER_QUERIES = ['캠핑의자', '캠핑 의자', '접이식캠핑의자', '경량 패딩', '휴대용선풍기', '가성비 무선마우스', '대형 텐트', '미니 가습기', '캠핑용 랜턴'];

describe('glossary', () => {
  it('holds a few hundred entries, each Korean word once', () => {
    expect(GLOSSARY.size).toBeGreaterThanOrEqual(300);
    expect(() => parseGlossary('캠핑 露营\n캠핑 野营')).toThrow(/appears twice/);
    expect(() => parseGlossary('캠핑')).toThrow(/expected "korean chinese"/);
  });

  it('covers every product word of the sandbox families, landing in the 1688 family that sells it', () => {
    expect(NAVER_FAMILIES.length).toBe(FAMILIES.length);
    for (const [words, family] of NAVER_FAMILIES) {
      for (const word of words) {
        const t = translateWithGlossary(word);
        expect(t.untranslated, word).toEqual([]);
        expect(familyIndex(t.terms.join(' ')), `${word} -> ${t.terms.join(' ')}`).toBe(family);
      }
    }
  });

  it('translates the seller queries of the sandboxes whole', () => {
    for (const q of SELLER_QUERIES) {
      const t = translateWithGlossary(q);
      expect(t.untranslated, q).toEqual([]);
      expect(t.terms.length, q).toBeGreaterThan(0);
    }
  });

  it('cuts a word into the longest known words from the left and reports what it does not know', () => {
    expect(translateWithGlossary('접이식캠핑의자')).toEqual({
      terms: ['折叠', '露营椅'],
      method: 'glossary',
      translated: [
        { from: '접이식', to: '折叠' },
        { from: '캠핑의자', to: '露营椅' },
      ],
      untranslated: [],
    });
    // Latin words pass through; an unknown Korean word is named, not guessed.
    expect(translateWithGlossary('USB 휴대용 뿌잉선풍기')).toMatchObject({ terms: ['USB', '便携', '风扇'], untranslated: ['뿌잉'] });
    expect(translateWithGlossary('뿌잉뿌잉')).toMatchObject({ terms: [], untranslated: ['뿌잉뿌잉'] });
  });
});
