import { DomainError } from '../shared/errors.ts';
import { MAX_IMAGE_BYTES, type ImageFormat, type ImageQuery, type ImageSearchResult, type Sourced } from './model.ts';
import type { AlibabaPorts, CallOptions } from './ports.ts';

export interface ImageSearchInput {
  imageBase64?: string | undefined;
  imageUrl?: string | undefined;
  page: number;
  pageSize: number;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The format from the first bytes (magic numbers), or null. */
export const imageFormat = (head: Uint8Array): ImageFormat | null => {
  const at = (i: number, ...bytes: number[]) => bytes.every((b, j) => head[i + j] === b);
  if (at(0, 0xff, 0xd8, 0xff)) return 'jpeg';
  if (at(0, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'png';
  if (at(0, 0x47, 0x49, 0x46, 0x38)) return 'gif';
  if (at(0, 0x42, 0x4d)) return 'bmp';
  if (at(0, 0x52, 0x49, 0x46, 0x46) && at(8, 0x57, 0x45, 0x42, 0x50)) return 'webp';
  return null;
};

const bad = (field: string, message: string) => new DomainError('invalid', `${field} ${message}`, { details: { errors: [{ in: 'body', field, message, code: 'invalid' }] } });

/** Checks an upload without decoding it whole: the alphabet, the decoded size and the format's magic number. */
export const imageQueryOf = (input: ImageSearchInput): ImageQuery => {
  const { page, pageSize } = input;
  if ((input.imageBase64 === undefined) === (input.imageUrl === undefined)) {
    throw bad('imageBase64', 'or imageUrl: give exactly one of them');
  }
  if (input.imageUrl !== undefined) return { kind: 'url', imageUrl: input.imageUrl, page, pageSize };
  // A data URL's prefix is accepted and dropped; whitespace (line-wrapped base64) too.
  const data = input.imageBase64!.replace(/^data:image\/[a-z+.-]+;base64,/i, '').replace(/\s+/g, '');
  if (data.length === 0) throw bad('imageBase64', 'is empty');
  if (data.length % 4 !== 0 || !BASE64.test(data)) throw bad('imageBase64', 'is not base64 (A-Z, a-z, 0-9, + and /, padded with = to a multiple of 4)');
  const bytes = (data.length / 4) * 3 - (data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0);
  if (bytes > MAX_IMAGE_BYTES) throw bad('imageBase64', `decodes to ${bytes} bytes; the most accepted is ${MAX_IMAGE_BYTES} (750 KiB); send a larger image by imageUrl`);
  const head = Uint8Array.from(atob(data.slice(0, 16)), (c) => c.charCodeAt(0));
  const format = imageFormat(head);
  if (!format) throw bad('imageBase64', 'is not a JPEG, PNG, WebP, GIF or BMP image');
  return { kind: 'upload', imageBase64: data, format, bytes, page, pageSize };
};

/** POST /v1/alibaba/offers/image-search: offers that look like the image, in the keyword search's shape. */
export const searchOffersByImage = (ports: { alibaba: Pick<AlibabaPorts, 'offers'> }, input: ImageSearchInput, options: CallOptions = {}): Promise<Sourced<ImageSearchResult>> =>
  ports.alibaba.offers.imageSearch(imageQueryOf(input), options);
