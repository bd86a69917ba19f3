/**
 * The offline translator: a Korean query cut into the longest glossary words it holds (glossary-terms.ts), each
 * replaced by its Chinese. Words the glossary does not know are reported, not guessed; Latin words and model
 * numbers ("USB", "C타입"'s "C") pass through, since 1688 suppliers write them as they are.
 */
import type { TermTranslation, Translation } from '../../core/alibaba/model.ts';
import type { SearchTermTranslator } from '../../core/alibaba/ports.ts';
import { GLOSSARY_TEXT } from './glossary-terms.ts';

/** Parses "korean chinese" lines; `#` starts a comment line. A repeated Korean word is a mistake in the data. */
export const parseGlossary = (text: string): Map<string, string> => {
  const entries = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const [ko, zh, ...rest] = line.split(/\s+/);
    if (!ko || !zh || rest.length > 0) throw new Error(`glossary line ${JSON.stringify(line)}: expected "korean chinese"`);
    if (entries.has(ko)) throw new Error(`glossary: ${ko} appears twice`);
    entries.set(ko.normalize('NFC'), zh);
  }
  return entries;
};

export const GLOSSARY: ReadonlyMap<string, string> = parseGlossary(GLOSSARY_TEXT);

const HANGUL = /\p{Script=Hangul}/u;
const PASS_THROUGH = /^[A-Za-z0-9][A-Za-z0-9.+-]*$/;

/** Cuts one word into glossary words, longest first from the left; the pieces between are returned as gaps. */
const segment = (word: string, glossary: ReadonlyMap<string, string>, longest: number): Array<{ text: string; zh: string | null }> => {
  const out: Array<{ text: string; zh: string | null }> = [];
  let gap = '';
  for (let i = 0; i < word.length; ) {
    let found = 0;
    for (let n = Math.min(longest, word.length - i); n > 0; n--) {
      if (glossary.has(word.slice(i, i + n))) {
        found = n;
        break;
      }
    }
    if (found === 0) {
      gap += word[i];
      i++;
      continue;
    }
    if (gap) out.push({ text: gap, zh: null });
    gap = '';
    const text = word.slice(i, i + found);
    out.push({ text, zh: glossary.get(text)! });
    i += found;
  }
  if (gap) out.push({ text: gap, zh: null });
  return out;
};

export const translateWithGlossary = (query: string, glossary: ReadonlyMap<string, string> = GLOSSARY): Translation => {
  const longest = Math.max(...[...glossary.keys()].map((k) => k.length));
  const terms: string[] = [];
  const translated: TermTranslation[] = [];
  const untranslated: string[] = [];
  for (const word of query.normalize('NFC').split(/\s+/).filter(Boolean)) {
    for (const piece of segment(word, glossary, longest)) {
      if (piece.zh !== null) {
        if (!terms.includes(piece.zh)) terms.push(piece.zh);
        translated.push({ from: piece.text, to: piece.zh });
      } else if (!HANGUL.test(piece.text) && PASS_THROUGH.test(piece.text)) {
        terms.push(piece.text);
      } else if (HANGUL.test(piece.text)) {
        untranslated.push(piece.text);
      }
    }
  }
  return { terms, method: 'glossary', translated, untranslated };
};

export const glossaryTranslator = (glossary: ReadonlyMap<string, string> = GLOSSARY): SearchTermTranslator => ({
  translate: async (query) => translateWithGlossary(query, glossary),
});
