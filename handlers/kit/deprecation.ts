import type { AnyEndpoint, Deprecation } from './endpoint.ts';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

const dayOf = (date: string, what: string, id: string): Date => {
  const day = new Date(`${date}T00:00:00Z`);
  if (!DATE.test(date) || Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== date) {
    throw new Error(`${id}: deprecated.${what} must be a date YYYY-MM-DD, got ${JSON.stringify(date)}`);
  }
  return day;
};

/** Where the changelog entry announcing a deprecation is on the developer site. */
export const deprecationLink = (d: Deprecation): string => `/docs/changelog.html#${d.changelog}`;

/** Checks a deprecation's dates and anchor; throws naming the endpoint (the OpenAPI build and the tests call it). */
export const checkDeprecation = (def: AnyEndpoint): { since: Date; sunset: Date } | undefined => {
  const d = def.deprecated;
  if (!d) return undefined;
  const since = dayOf(d.since, 'since', def.id);
  const sunset = dayOf(d.sunset, 'sunset', def.id);
  if (sunset <= since) throw new Error(`${def.id}: deprecated.sunset (${d.sunset}) must come after deprecated.since (${d.since})`);
  if (!/^[a-z0-9-]+$/.test(d.changelog)) throw new Error(`${def.id}: deprecated.changelog must be the anchor of its changelog entry (a-z, 0-9, -), got ${JSON.stringify(d.changelog)}`);
  return { since, sunset };
};

const cache = new WeakMap<AnyEndpoint, Readonly<Record<string, string>>>();

/**
 * The headers every answer of a deprecated endpoint carries: `Deprecation` as an RFC 9745 structured date
 * (`@<epoch seconds>`), `Sunset` as an RFC 8594 HTTP-date, and a `Link` to the changelog entry. Computed once.
 */
export const deprecationHeaders = (def: AnyEndpoint): Readonly<Record<string, string>> | undefined => {
  if (!def.deprecated) return undefined;
  let headers = cache.get(def);
  if (!headers) {
    const { since, sunset } = checkDeprecation(def)!;
    headers = {
      deprecation: `@${since.getTime() / 1000}`,
      sunset: sunset.toUTCString(),
      link: `<${deprecationLink(def.deprecated)}>; rel="deprecation"; type="text/html"`,
    };
    cache.set(def, headers);
  }
  return headers;
};
