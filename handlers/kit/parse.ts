import { isUtf8 } from 'node:buffer';
import type { V2Event } from './gateway-event.ts';
import { textProblem } from './json.ts';
import type { FieldError } from './problem.ts';

/** Whether a content type is JSON (`application/json` or any `+json` media type). */
export const isJsonMediaType = (contentType: string | undefined): boolean => {
  if (!contentType) return false;
  const media = contentType.split(';', 1)[0]!.trim().toLowerCase();
  return media === 'application/json' || media.endsWith('+json');
};

/** Whether a byte is an ASCII hex digit. */
const isHex = (b: number): boolean => (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66);

/**
 * One query name or value, decoded as application/x-www-form-urlencoded does (`+` is a space, `%XX` a byte, the
 * bytes UTF-8), or null when the decoded bytes are not UTF-8 (URLSearchParams would hide that behind U+FFFD).
 */
const decodeComponent = (raw: string): string | null => {
  const text = raw.includes('+') ? raw.replaceAll('+', ' ') : raw;
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    // An unpaired surrogate is reported as it stands (Buffer.from below would turn it into U+FFFD).
    if (!text.isWellFormed()) return text;
    // A `%` not followed by two hex digits stays as it is; only the decoded bytes must be UTF-8.
    const bytes = Buffer.from(text, 'utf8');
    const out = Buffer.allocUnsafe(bytes.length);
    let n = 0;
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i]!;
      if (b === 0x25 && i + 2 < bytes.length && isHex(bytes[i + 1]!) && isHex(bytes[i + 2]!)) {
        out[n++] = Number.parseInt(String.fromCharCode(bytes[i + 1]!, bytes[i + 2]!), 16);
        i += 2;
      } else out[n++] = b;
    }
    const decoded = out.subarray(0, n);
    return isUtf8(decoded) ? decoded.toString('utf8') : null;
  }
};

const NOT_UTF8_QUERY = { code: 'invalid_encoding', message: 'is not valid UTF-8 once percent-decoded' };

/** A name to quote for a query name that does not decode (its bad bytes shown as U+FFFD). */
const lossyName = (raw: string): string => new URLSearchParams(`${raw}=`).keys().next().value ?? raw;

/**
 * Query strings keep repeated keys (`hint=a&hint=b`) as arrays, which API Gateway's map would join with commas.
 * Names and values that are not text (NUL, unpaired surrogates, bytes that are not UTF-8) are left out and
 * reported in `errors` when given.
 */
export const parseQuery = (raw: string, errors?: FieldError[]): Record<string, string | string[]> => {
  const out: Record<string, string | string[]> = {};
  if (!raw) return out;
  for (const pair of raw.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = decodeComponent(eq === -1 ? pair : pair.slice(0, eq));
    const value = decodeComponent(eq === -1 ? '' : pair.slice(eq + 1));
    if (key === null || value === null) {
      errors?.push({ in: 'query', field: key ?? lossyName(eq === -1 ? pair : pair.slice(0, eq)), ...NOT_UTF8_QUERY });
      continue;
    }
    const problem = textProblem(key) ?? textProblem(value);
    if (problem) {
      errors?.push({ in: 'query', field: key, ...problem });
      continue;
    }
    const prev = out[key];
    if (prev === undefined) out[key] = value;
    else if (Array.isArray(prev)) prev.push(value);
    else out[key] = [prev, value];
  }
  return out;
};

/** Headers whose values the toolkit keeps or stores as data, checked as text like any other input. */
export const DATA_HEADERS = ['idempotency-key', 'x-request-id'] as const;

/** What is wrong with a header value as text: node:http hands over each byte as one Latin-1 character. */
export const headerProblem = (value: string): { code: string; message: string } | undefined => {
  const problem = textProblem(value);
  if (problem) return problem;
  // Only bytes (U+0000-U+00FF) with some above ASCII: they must form UTF-8.
  if (/[\u0080-\u00ff]/.test(value) && !/[^\u0000-\u00ff]/.test(value) && !isUtf8(Buffer.from(value, 'latin1'))) {
    return { code: 'invalid_encoding', message: 'is not valid UTF-8' };
  }
  return undefined;
};

export type BodyText = { ok: true; text: string } | { ok: false; error: FieldError };

const BOM = '\uFEFF';

/**
 * A JSON body as text: base64 bodies (the HTTP server sends bytes that are not UTF-8 that way) must decode as UTF-8;
 * one leading byte order mark is dropped (RFC 8259 lets a parser ignore it; some Windows tools write one).
 */
export const jsonText = (raw: string | Buffer): BodyText => {
  let text: string;
  if (typeof raw === 'string') text = raw;
  else if (isUtf8(raw)) text = raw.toString('utf8');
  else return { ok: false, error: { in: 'body', field: '', code: 'invalid_encoding', message: 'is not valid UTF-8' } };
  return { ok: true, text: text.startsWith(BOM) ? text.slice(1) : text };
};

/** The body as sent: text, or bytes when it came base64-encoded; undefined when there is none. */
export const rawBody = (event: V2Event): string | Buffer | undefined => {
  if (event.body === undefined || event.body === null || event.body === '') return undefined;
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64') : event.body;
};
