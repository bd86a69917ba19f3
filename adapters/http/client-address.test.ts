import { describe, expect, it } from 'vitest';
import { clientAddress, proxyEntryProblem } from './client-address.ts';

describe('client address behind trusted proxies', () => {
  const viaLoopback = clientAddress(['loopback']);

  it('ignores forwarding headers from a peer that is not a trusted proxy', () => {
    expect(viaLoopback('203.0.113.5', { 'x-forwarded-for': '1.2.3.4', 'x-real-ip': '1.2.3.4', 'cf-connecting-ip': '1.2.3.4' })).toBe('203.0.113.5');
  });

  it('walks X-Forwarded-For from the right, past trusted proxies only', () => {
    // nginx on loopback appended the address it saw; anything left of it is the caller's own writing.
    expect(viaLoopback('127.0.0.1', { 'x-forwarded-for': '6.6.6.6, 198.51.100.7' })).toBe('198.51.100.7');
    expect(viaLoopback('::ffff:127.0.0.1', { 'x-forwarded-for': '198.51.100.7' })).toBe('198.51.100.7');
    // Cloudflare in front: its ranges trusted too, so the walk goes one hop further.
    const viaCloudflare = clientAddress(['loopback', '173.245.48.0/20', '2400:cb00::/32']);
    expect(viaCloudflare('127.0.0.1', { 'x-forwarded-for': '6.6.6.6, 198.51.100.7, 173.245.48.10' })).toBe('198.51.100.7');
    expect(viaCloudflare('127.0.0.1', { 'x-forwarded-for': '2001:db8::1, 2400:cb00::5' })).toBe('2001:db8::1');
    // A malformed hop ends the walk at the last good one.
    expect(viaLoopback('127.0.0.1', { 'x-forwarded-for': '198.51.100.7, not-an-ip' })).toBe('127.0.0.1');
  });

  it('takes CF-Connecting-IP, then X-Real-IP, from a trusted peer when there is no X-Forwarded-For', () => {
    expect(viaLoopback('127.0.0.1', { 'cf-connecting-ip': '198.51.100.8', 'x-real-ip': '198.51.100.9' })).toBe('198.51.100.8');
    expect(viaLoopback('127.0.0.1', { 'x-real-ip': '198.51.100.9' })).toBe('198.51.100.9');
    expect(viaLoopback('127.0.0.1', { 'x-real-ip': 'junk' })).toBe('127.0.0.1');
  });

  it('trusts nobody with none', () => {
    expect(clientAddress(['none'])('127.0.0.1', { 'x-forwarded-for': '198.51.100.7' })).toBe('127.0.0.1');
  });

  it('names a bad TRUSTED_PROXIES entry', () => {
    expect(proxyEntryProblem('10.0.0.0/8')).toBeNull();
    expect(proxyEntryProblem('10.0.0.0/33')).toMatch(/prefix length/);
    expect(proxyEntryProblem('cloudflare')).toMatch(/not an address/);
  });
});
