/**
 * The client's address behind trusted proxies. `X-Forwarded-For` is read only when the immediate peer is a
 * trusted proxy, and walked from the right (each proxy appends the address it saw): the first address that is
 * not a trusted proxy is the client. Without `X-Forwarded-For`, a trusted peer's `CF-Connecting-IP`, then
 * `X-Real-IP`, is taken. From any other peer the headers are ignored: anyone can write them.
 */
import { BlockList, isIP } from 'node:net';

/** `loopback` (the default: nginx on the same host), `none`, or addresses and CIDR ranges. */
export const LOOPBACK = ['127.0.0.0/8', '::1/128'];

const unmapped = (address: string): string => (address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address);

/** Why an entry of TRUSTED_PROXIES is not usable, or null when it is. */
export const proxyEntryProblem = (entry: string): string | null => {
  const [address, bits, extra] = entry.split('/');
  const family = isIP(address ?? '');
  if (!family || extra !== undefined) return `${JSON.stringify(entry)} is not an address or CIDR range`;
  if (bits === undefined) return null;
  const n = Number(bits);
  return /^\d{1,3}$/.test(bits) && n <= (family === 4 ? 32 : 128) ? null : `${JSON.stringify(entry)} has a bad prefix length`;
};

export const expandProxies = (entries: readonly string[]): string[] =>
  entries.flatMap((e) => (e === 'loopback' ? LOOPBACK : e === 'none' ? [] : [e]));

export type ClientAddress = (peer: string, headers: Readonly<Record<string, string | undefined>>) => string;

export const clientAddress = (entries: readonly string[]): ClientAddress => {
  const list = new BlockList();
  const ranges = expandProxies(entries);
  for (const entry of ranges) {
    const [address, bits] = entry.split('/') as [string, string | undefined];
    const type = isIP(address) === 4 ? 'ipv4' : 'ipv6';
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(bits), type);
  }
  // Verdicts by address: a connection's peer asks on each of its requests, and isIP plus BlockList.check cost
  // ~1.5% of server CPU on a request, a Map lookup almost nothing. Bounded: cleared when it fills.
  const verdicts = new Map<string, boolean>();
  const trusted = (address: string): boolean => {
    let verdict = verdicts.get(address);
    if (verdict === undefined) {
      const family = isIP(address);
      verdict = family !== 0 && list.check(address, family === 4 ? 'ipv4' : 'ipv6');
      if (verdicts.size >= 1_024) verdicts.clear();
      verdicts.set(address, verdict);
    }
    return verdict;
  };
  if (ranges.length === 0) return (peer) => unmapped(peer);
  return (rawPeer, headers) => {
    const peer = unmapped(rawPeer);
    if (!trusted(peer)) return peer;
    const forwarded = headers['x-forwarded-for'];
    if (forwarded) {
      const hops = forwarded.split(',').map((h) => unmapped(h.trim()));
      let client = peer;
      for (let i = hops.length - 1; i >= 0; i--) {
        const hop = hops[i]!;
        // A malformed entry ends the walk: what lies left of it cannot be trusted either.
        if (!isIP(hop)) break;
        client = hop;
        if (!trusted(hop)) break;
      }
      return client;
    }
    for (const name of ['cf-connecting-ip', 'x-real-ip']) {
      const value = headers[name]?.trim();
      if (value && isIP(unmapped(value))) return unmapped(value);
    }
    return peer;
  };
};
