/**
 * Hand-labelled title pairs for cross-market matching: a Naver listing and a Coupang listing, and whether a
 * person reading both titles takes them for the same product. The labelling rule: the same product is the same
 * model or item a buyer would compare prices for; colour or switch options of one model count as the same;
 * another size, capacity, count or bundle, another model or another brand counts as different. Labels were set
 * by reading the titles, before any matcher ran on them.
 */
export interface LabelledPair {
  naver: string;
  coupang: string;
  same: boolean;
}

export const MATCH_PAIRS: LabelledPair[] = [
  { naver: '로지텍 MX Keys S 무선 키보드 블루투스', coupang: 'Logitech 로지텍 MX KEYS S 무선 일루미네이티드 키보드', same: true },
  { naver: '로지텍 MX Keys S 무선 키보드', coupang: '로지텍 MX Keys Mini 무선 키보드', same: false },
  { naver: '로지텍 G502 HERO 게이밍 마우스', coupang: '로지텍G G502 HERO 유선 게이밍마우스', same: true },
  { naver: '로지텍 G502 HERO 게이밍 마우스', coupang: '로지텍 G304 무선 게이밍 마우스', same: false },
  { naver: '삼성전자 갤럭시 버즈2 프로 SM-R510 정품', coupang: '삼성 갤럭시 버즈2 프로 SM-R510N 블루투스 이어폰', same: true },
  { naver: '삼성전자 갤럭시 버즈2 프로 SM-R510', coupang: '삼성전자 갤럭시 버즈 FE SM-R400N', same: false },
  { naver: '코베아 초경량 캠핑의자 3호', coupang: '코베아 캠핑의자 3호 블랙', same: true },
  { naver: '코베아 초경량 캠핑의자 3호', coupang: '코베아 캠핑의자 4호 기획세트', same: false },
  { naver: '헬리녹스 체어원 캠핑의자 블랙', coupang: '헬리녹스 체어 원 Chair One 블랙', same: true },
  { naver: '헬리녹스 체어원 캠핑의자', coupang: '헬리녹스 체어제로 초경량 캠핑의자', same: false },
  { naver: '노스페이스 남성 눕시 롱패딩 NJ1DP51A', coupang: '노스페이스 눕시 롱패딩 NJ1DP51A 블랙', same: true },
  { naver: '노스페이스 남성 눕시 롱패딩 NJ1DP51A', coupang: '노스페이스 남성 고 프리 롱패딩 NJ1DP75A', same: false },
  { naver: '디스커버리 레스터 롱패딩 DMDJ6A036', coupang: '디스커버리 익스페디션 레스터 롱패딩 DMDJ6A036 베이지', same: true },
  { naver: '신일 선풍기 SIF-14SW 스탠드형 14인치', coupang: '신일 스탠드 선풍기 SIF-14SW', same: true },
  { naver: '신일 선풍기 SIF-14SW 14인치', coupang: '신일 선풍기 SIF-16SW 16인치', same: false },
  { naver: '한일 스탠드 선풍기 EF-1400 14인치', coupang: '신일 스탠드 선풍기 14인치', same: false },
  { naver: '보국 서큘레이터 BKF-1221 에어젯', coupang: '보국전자 에어젯 서큘레이터 BKF-1221', same: true },
  { naver: '종근당 락토핏 생유산균 골드 50포', coupang: '종근당건강 락토핏 골드 50포 1박스', same: true },
  { naver: '종근당 락토핏 생유산균 골드 50포', coupang: '종근당건강 락토핏 코어 60포', same: false },
  { naver: '고려은단 비타민C 1000 300정', coupang: '고려은단 비타민C 1000 이지 180정', same: false },
  { naver: '고려은단 비타민C 1000 300정', coupang: '고려은단 비타민C1000 300정 1개', same: true },
  { naver: '뉴트리원 루테인 지아잔틴 164 30캡슐', coupang: '뉴트리원 루테인 지아잔틴 164 30캡슐 x 3박스', same: false },
  { naver: '시디즈 T50 사무용 의자 TNA200HF', coupang: '시디즈 T50 AIR 사무용의자 TNA200HF 블랙', same: true },
  { naver: '시디즈 T50 사무용 의자 TNA200HF', coupang: '시디즈 T80 사무용 의자 TNA800HF', same: false },
  { naver: '한샘 샘 책상 1200 서랍형', coupang: '한샘 샘 책상 1200 서랍형 화이트', same: true },
  { naver: '한샘 샘 책상 1200', coupang: '한샘 샘 책상 1600', same: false },
  { naver: '앱코 K660 축교환 기계식 키보드 갈축', coupang: '앱코 K660 기계식 키보드 청축', same: true },
  { naver: '레오폴드 FC900R PD 그레이 블루 적축', coupang: '레오폴드 FC900RPD 기계식 키보드 적축', same: true },
  { naver: '커세어 K70 RGB PRO 기계식 키보드', coupang: '커세어 K70 CORE RGB 기계식 키보드', same: false },
  { naver: '아레나 여성 수영복 A3FL1LO01', coupang: '아레나 A3FL1LO01 여성 원피스 수영복', same: true },
  { naver: '배럴 여성 래쉬가드 B3SWRG001', coupang: '배럴 우먼 래쉬가드 B3SWRG002', same: false },
  { naver: '캠핑칸 대형 타프 스크린 4x5m', coupang: '캠핑칸 타프 스크린 4x5m 대형', same: true },
  { naver: '콜맨 LED 랜턴 2000 루멘', coupang: '콜맨 LED 랜턴 600 루멘', same: false },
  { naver: '스노우피크 티타늄 싱글 머그 450', coupang: '스노우피크 티타늄 싱글머그 450ml MG-143', same: true },
  { naver: '다이소 수납함 대형', coupang: '모던하우스 수납함 대형', same: false },
  { naver: '생활공작소 주방세제 750ml 3개', coupang: '생활공작소 주방세제 750ml x 3개', same: true },
  { naver: '생활공작소 주방세제 750ml 3개', coupang: '생활공작소 주방세제 500ml 3개', same: false },
  { naver: 'K2 남성 고어텍스 등산화 FUS21G02', coupang: '케이투 고어텍스 등산화 FUS21G02', same: true },
  { naver: '내셔널지오그래픽 남성 패딩 N224MDW920', coupang: '내셔널지오그래픽 남성 구스 패딩 N224MDW930', same: false },
  { naver: '파세코 창문형 에어컨 PWA-3250W', coupang: '파세코 창문형 에어컨 4세대 PWA-3250W', same: true },
  { naver: '파세코 창문형 에어컨 PWA-3250W', coupang: '파세코 창문형 에어컨 PWA-3300W', same: false },
  { naver: '애플 에어팟 프로 2세대 USB-C MTJV3KH/A', coupang: 'Apple 에어팟 프로 2세대 USB-C 타입 MTJV3KH/A', same: true },
  { naver: '애플 에어팟 프로 2세대 MTJV3KH/A', coupang: '애플 에어팟 4세대 노이즈캔슬링 MXP93KH/A', same: false },
  { naver: '쿠쿠 전기밥솥 CRP-P0660FD 6인용', coupang: '쿠쿠 6인용 IH 압력밥솥 CRP-P0660FD', same: true },
  { naver: '쿠쿠 전기밥솥 6인용', coupang: '쿠쿠 전기밥솥 10인용', same: false },
  { naver: '락앤락 밀폐용기 10종 세트', coupang: '락앤락 밀폐용기 세트 10종', same: true },
  { naver: '필립스 전동칫솔 HX6877', coupang: '필립스 소닉케어 전동칫솔 HX6877/24', same: true },
  { naver: '브라운 전기면도기 시리즈9 9450cc', coupang: '브라운 전기면도기 시리즈7 70-N1200s', same: false },
];
