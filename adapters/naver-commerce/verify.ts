/**
 * Verifies a seller's Naver Commerce application with the cheapest call there is: signing in for a token
 * (which the token client then keeps for the calls that follow). A refusal is an answer with Naver's code; an
 * outage throws (502), a rate limit 429.
 */
import type { NaverCommerceCredentials, Verification } from '../../core/platform/ports.ts';
import type { NaverCommerceTokens } from './token.ts';

export const naverCommerceVerifier = (tokens: NaverCommerceTokens) => async (credentials: NaverCommerceCredentials, signal?: AbortSignal): Promise<Verification> => {
  const outcome = await tokens.signIn(credentials, signal);
  return outcome.ok ? { ok: true } : { ok: false, providerCode: outcome.providerCode, message: outcome.message };
};
