import { readFileSync, statSync } from 'node:fs';
import { extname, join, resolve, sep } from 'node:path';
import { problem, type V2Result } from '../../handlers/toolkit.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.yaml': 'application/yaml',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.txt': 'text/plain; charset=utf-8',
};

const notFound = (detail: string): V2Result => ({
  statusCode: 404,
  headers: { 'content-type': 'application/problem+json', 'cache-control': 'no-store' },
  body: JSON.stringify(problem('not_found', detail, '/docs')),
});

/**
 * The developer site (`npm run docs` writes it to `dir`) at /docs. Not built: a 404 problem saying how to build it,
 * never a 5xx. Paths are resolved inside `dir` only; `/docs` redirects to `/docs/` so relative links work.
 */
export const siteServer = (dir: string) => {
  const root = resolve(dir);
  return (path: string): V2Result | undefined => {
    if (path === '/docs') return { statusCode: 308, headers: { location: '/docs/' }, body: '' };
    if (!path.startsWith('/docs/')) return undefined;
    let rel: string;
    try {
      rel = decodeURIComponent(path.slice('/docs/'.length));
    } catch {
      return notFound('No such page on the developer site.');
    }
    if (rel === '' || rel.endsWith('/')) rel += 'index.html';
    const file = resolve(root, rel);
    if (rel.includes('\0') || (file !== root && !file.startsWith(root + sep))) return notFound('No such page on the developer site.');
    try {
      if (!statSync(join(root, 'index.html')).isFile()) throw new Error('no index');
    } catch {
      return notFound(`The developer site is not built on this server: run \`npm run docs\`, which writes ${dir}/ (SITE_DIR). The API document is at /openapi.yaml.`);
    }
    let body: Buffer;
    try {
      body = readFileSync(statSync(file).isDirectory() ? join(file, 'index.html') : file);
    } catch {
      return notFound(`No page ${rel} on the developer site.`);
    }
    const type = TYPES[extname(file)] ?? 'application/octet-stream';
    return { statusCode: 200, headers: { 'content-type': type, 'cache-control': 'public, max-age=300' }, body: body.toString('base64'), isBase64Encoded: true };
  };
};
