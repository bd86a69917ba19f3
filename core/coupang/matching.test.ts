import { describe, expect, it } from 'vitest';
import { MATCH_PAIRS } from '../../tests/coupang/match-pairs.ts';
import { features, matchTitles, MATCH_THRESHOLD, titleTokens } from './matching.ts';

describe('title normalisation', () => {
  it('folds case and width, drops punctuation, marketing words and years, splits Hangul from Latin letters', () => {
    expect(titleTokens('[로지텍] ＭＸ Keys S 무선키보드 (정품) 2024 무료배송')).toEqual(['로지텍', 'mx', 'keys', 's', '무선키보드']);
    expect(titleTokens('로지텍G G502')).toEqual(['로지텍', 'g', 'g502']);
    expect(titleTokens('코베아 &amp; 세트 <b>캠핑의자</b> 3호')).toEqual(['코베아', '세트', '캠핑의자', '3호']);
  });

  it('reads model numbers and quantities', () => {
    const f = features('삼성 SM-R510N 버즈2 750ml 3호 14인치 1.5L 2000');
    expect([...f.models]).toEqual(['smr510n']);
    expect(Object.fromEntries([...f.quantities].map(([unit, values]) => [unit, [...values]]))).toEqual({ ml: [750, 1500], 호: [3], inch: [14], number: [2000] });
    expect(f.lead).toBe('삼성');
  });
});

describe('matching rules', () => {
  it('a shared model number matches whatever else the titles say; a one-letter market suffix is the same model', () => {
    expect(matchTitles('보국 서큘레이터 BKF-1221 에어젯', '보국전자 에어젯 서큘레이터 BKF-1221')).toMatchObject({ match: true, basis: 'model' });
    expect(matchTitles('갤럭시 버즈2 프로 SM-R510', '버즈2 프로 SM-R510N')).toMatchObject({ match: true, basis: 'model', score: 0.9 });
    expect(matchTitles('노스페이스 롱패딩 NJ1DP51A', '노스페이스 롱패딩 NJ1DP75A')).toEqual({ match: false, score: 0, basis: 'model', conflict: 'model' });
  });

  it('another size, capacity or count is another product; a multi-pack on one side only too', () => {
    expect(matchTitles('코베아 캠핑의자 3호', '코베아 캠핑의자 4호')).toMatchObject({ match: false, conflict: 'quantity' });
    expect(matchTitles('주방세제 1L', '주방세제 1000ml')).toMatchObject({ match: true });
    expect(matchTitles('루테인 30캡슐', '루테인 30캡슐 x 3박스')).toMatchObject({ match: false, conflict: 'quantity' });
    expect(matchTitles('락토핏 골드 50포', '락토핏 골드 50포 1박스')).toMatchObject({ match: true });
  });

  it('different leading brands are different products unless one names the other', () => {
    expect(matchTitles('다이소 수납함 대형', '모던하우스 수납함 대형')).toMatchObject({ match: false, conflict: 'brand' });
    expect(matchTitles('종근당 락토핏 골드', '종근당건강 락토핏 골드')).toMatchObject({ match: true });
    expect(matchTitles('초경량 캠핑의자 코베아', '코베아 초경량 캠핑의자')).toMatchObject({ match: true, score: 1 });
  });

  it('otherwise scores the Dice coefficient of the token sets against the threshold; spacing differences join', () => {
    // {코베아, 초경량, 캠핑의자, 3호} and {코베아, 캠핑의자, 3호, 블랙}: 2 x 3 / 8.
    expect(matchTitles('코베아 초경량 캠핑의자 3호', '코베아 캠핑의자 3호 블랙')).toEqual({ match: true, score: 0.75, basis: 'tokens' });
    // {a, b, c, d} and {a, e, f, g}: 2 x 1 / 8 = 0.25.
    expect(matchTitles('한빛 가 나 다', '한빛 라 마 바')).toEqual({ match: false, score: 0.25, basis: 'tokens' });
    // 체어 + 원 read as 체어원: {헬리녹스, 체어원, 캠핑의자, 블랙} and {헬리녹스, 체어원, chair, one, 블랙}: 2 x 3 / 9.
    expect(matchTitles('헬리녹스 체어원 캠핑의자 블랙', '헬리녹스 체어 원 Chair One 블랙')).toEqual({ match: true, score: 0.67, basis: 'tokens' });
    expect(MATCH_THRESHOLD).toBe(0.5);
  });
});

describe('precision and recall on the hand-labelled pairs', () => {
  it('at least 40 pairs, both labels present', () => {
    expect(MATCH_PAIRS.length).toBeGreaterThanOrEqual(40);
    expect(MATCH_PAIRS.filter((p) => p.same).length).toBeGreaterThanOrEqual(15);
    expect(MATCH_PAIRS.filter((p) => !p.same).length).toBeGreaterThanOrEqual(15);
  });

  it('precision at least 0.85 and recall at least 0.9 (docs/coupang.md gives the figures)', () => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (const pair of MATCH_PAIRS) {
      const { match } = matchTitles(pair.naver, pair.coupang);
      if (match && pair.same) tp++;
      else if (match) fp++;
      else if (pair.same) fn++;
    }
    const precision = tp / (tp + fp);
    const recall = tp / (tp + fn);
    expect(precision).toBeGreaterThanOrEqual(0.85);
    expect(recall).toBeGreaterThanOrEqual(0.9);
  });
});
