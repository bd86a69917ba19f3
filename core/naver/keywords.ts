import { DomainError } from '../shared/errors.ts';
import type { Sourced, KeywordToolResult } from './model.ts';
import type { KeywordTool } from './ports.ts';

/** The Search Ad keyword tool takes at most 5 hints per call. */
export const MAX_HINTS_PER_CALL = 5;
/** Letters (Hangul included), digits and a few joiners; the keyword tool answers 7003 for anything else. */
export const HINT_CHARACTERS = /^[\p{L}\p{N}.&+_-]+$/u;
export const MAX_HINT_LENGTH = 50;

/** Naver matches keywords without spaces ("캠핑 의자" and "캠핑의자" are one keyword) and case-insensitively. */
export const normaliseKeyword = (keyword: string): string => keyword.normalize('NFC').replace(/\s+/g, '').toUpperCase();

/** Why a hint is unusable, or null. */
export const hintProblem = (raw: string): string | null => {
  const hint = normaliseKeyword(raw);
  if (hint === '') return 'must contain a keyword';
  if (hint.length > MAX_HINT_LENGTH) return `must be at most ${MAX_HINT_LENGTH} characters`;
  if (!HINT_CHARACTERS.test(hint)) return 'may contain only letters, digits and . & + _ -';
  return null;
};

/** Normalised, unique hints in first-seen order. */
export const normaliseHints = (raw: readonly string[]): string[] => {
  const seen = new Set<string>();
  for (const r of raw) {
    const problem = hintProblem(r);
    if (problem) throw new DomainError('invalid', `hint ${JSON.stringify(r)} ${problem}`, { details: { field: 'hint' } });
    seen.add(normaliseKeyword(r));
  }
  if (seen.size < 1 || seen.size > MAX_HINTS_PER_CALL) {
    throw new DomainError('invalid', `between 1 and ${MAX_HINTS_PER_CALL} distinct hints are accepted, got ${seen.size}`, { details: { field: 'hint' } });
  }
  return [...seen];
};

/** GET /v1/naver/keywords: related keywords and volumes for up to 5 hints of one tenant. */
export const relatedKeywords = (
  tool: KeywordTool,
  hints: readonly string[],
  options: { scope: string; signal?: AbortSignal },
): Promise<Sourced<KeywordToolResult>> => tool.related(normaliseHints(hints), options);
