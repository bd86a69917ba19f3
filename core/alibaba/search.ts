import { DomainError } from '../shared/errors.ts';
import type { OfferSearchQuery, OfferSearchResult, SearchedTerms, Sourced } from './model.ts';
import type { AlibabaPorts, CallOptions } from './ports.ts';

const HANGUL = /\p{Script=Hangul}/u;

/** The Chinese terms a query is searched with: translated when it holds Hangul and translation is on. */
export const searchTerms = async (ports: { alibaba: Pick<AlibabaPorts, 'translator'> }, query: string, translate: OfferSearchQuery['translate'], options: CallOptions = {}): Promise<SearchedTerms> => {
  const text = query.normalize('NFC').trim().replace(/\s+/g, ' ');
  if (translate === 'off' || !HANGUL.test(text)) return { query, keyword: text, terms: [text], method: 'as_given', translated: [], untranslated: [] };
  const t = await ports.alibaba.translator.translate(text, options);
  if (t.terms.length === 0) {
    throw new DomainError('unprocessable', `no Chinese search term is known for ${JSON.stringify(text)}; search in Chinese, or pass translate=off to search it as given`, {
      details: { field: 'keyword', untranslated: t.untranslated, method: t.method },
    });
  }
  return { query, keyword: t.terms.join(' '), terms: t.terms, method: t.method, translated: t.translated, untranslated: t.untranslated };
};

/** GET /v1/alibaba/offers/search: a Korean or Chinese query, translated when asked, then one page of 1688 offers. */
export const searchOffers = async (ports: { alibaba: AlibabaPorts }, query: OfferSearchQuery, options: CallOptions = {}): Promise<Sourced<OfferSearchResult>> => {
  const searched = await searchTerms(ports, query.keyword, query.translate, options);
  const { translate: _translate, ...page } = query;
  const found = await ports.alibaba.offers.search({ ...page, keyword: searched.keyword }, options);
  return { ...found, data: { ...found.data, searched } };
};
