/** A deprecation's dates and anchor are checked (naming the endpoint), and its headers worked out from them. */
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { checkDeprecation, deprecationHeaders, deprecationLink } from '../../handlers/kit/deprecation.ts';
import { defineEndpoint, type Deprecation } from '../../handlers/kit/endpoint.ts';

const going = (deprecated?: Deprecation) =>
  defineEndpoint({
    id: 'test.going', method: 'GET', path: '/test/going', summary: 's', tags: ['test'], access: 'public',
    ...(deprecated ? { deprecated } : {}),
    responses: { 200: z.object({}) },
    run: () => ({ status: 200, body: {} }),
  });
const dates = { since: '2028-02-29', sunset: '2028-03-01', changelog: 'going-2028' };

describe('deprecation dates', () => {
  it('a leap day and the day after are well formed; the headers are the epoch seconds, the HTTP-date and the link', () => {
    const def = going(dates);
    expect(checkDeprecation(def)).toEqual({ since: new Date(Date.UTC(2028, 1, 29)), sunset: new Date(Date.UTC(2028, 2, 1)) });
    const headers = deprecationHeaders(def);
    // 2028-02-29 is 21,243 days after the epoch (58 years, 14 leap days before 2028, 59 days into 2028).
    expect(headers).toEqual({ deprecation: '@1835395200', sunset: 'Wed, 01 Mar 2028 00:00:00 GMT', link: '</docs/changelog.html#going-2028>; rel="deprecation"; type="text/html"' });
    expect(21_243 * 86_400).toBe(1_835_395_200);
    expect(deprecationHeaders(def)).toBe(headers);
    expect(deprecationLink(dates)).toBe('/docs/changelog.html#going-2028');
  });

  it('nothing scheduled: no check, no headers', () => {
    expect(checkDeprecation(going())).toBeUndefined();
    expect(deprecationHeaders(going())).toBeUndefined();
  });

  it('refuses days that are not YYYY-MM-DD calendar days, a sunset not after the start, and an anchor outside a-z, 0-9, -', () => {
    const refused: Array<[Partial<Deprecation>, string]> = [
      [{ since: '2027-02-29' }, 'test.going: deprecated.since must be a date YYYY-MM-DD, got "2027-02-29"'],
      [{ sunset: '2028-3-01' }, 'test.going: deprecated.sunset must be a date YYYY-MM-DD, got "2028-3-01"'],
      [{ since: ' 2028-02-29' }, 'deprecated.since must be a date'],
      [{ since: '2028-02-29T00' }, 'deprecated.since must be a date'],
      [{ since: '+02028-02-29' }, 'deprecated.since must be a date'],
      [{ since: '2028-13-01' }, 'deprecated.since must be a date'],
      [{ sunset: '2028-02-29' }, 'test.going: deprecated.sunset (2028-02-29) must come after deprecated.since (2028-02-29)'],
      [{ sunset: '2028-02-28' }, 'must come after'],
      [{ changelog: 'Going' }, 'test.going: deprecated.changelog must be the anchor of its changelog entry (a-z, 0-9, -), got "Going"'],
      [{ changelog: 'going 2028' }, 'deprecated.changelog must be the anchor'],
      [{ changelog: '' }, 'deprecated.changelog must be the anchor'],
      [{ changelog: 'x#y' }, 'deprecated.changelog must be the anchor'],
    ];
    for (const [change, message] of refused) expect(() => checkDeprecation(going({ ...dates, ...change }))).toThrow(message);
  });
});
