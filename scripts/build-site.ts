// npm run docs: the developer site, static, into site/ (deployable to Cloudflare Pages as is; the server also
// serves it at /docs). Everything it needs is bundled in site/: no CDN at run time.
//
//   index.html            home and navigation
//   getting-started.html  key, first call in curl, JavaScript and Python (docs/getting-started.md)
//   reference.html        the API reference from openapi.yaml, rendered by Scalar (assets/scalar.js)
//   <guide>.html          every docs/*.md
//   changelog.html        CHANGELOG.md (headings carry ids: deprecation Links point at them)
//   problems.html         every urn:sellpo:problem:* type with its meaning and fix
//   deprecations.html     what is scheduled to go, from the document's x-deprecated
//   search-index.json     what the search box matches (operations with Korean and English words, page headings)
//
//   node scripts/build-site.ts [--out DIR]
import { copyFileSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import MarkdownIt from 'markdown-it';
import { parse } from 'yaml';
import { problemKinds, problemType } from '../handlers/toolkit.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const read = (rel: string) => readFileSync(join(root, rel), 'utf8');

type Json = Record<string, any>;
interface Page {
  file: string;
  title: string;
  html: string;
}
interface SearchEntry {
  title: string;
  url: string;
  text: string;
}

export const slug = (text: string): string =>
  text
    .toLowerCase()
    .replace(/<[^>]*>/g, '')
    .replace(/[^\p{L}\p{N}\s-]/gu, '')
    .trim()
    .replace(/\s+/g, '-');

const escapeHtml = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

/** markdown-it with heading ids (unique per page) and links to other guides turned into their pages. */
const markdown = () => {
  const md = new MarkdownIt({ html: false, linkify: true });
  md.core.ruler.push('heading_ids', (state) => {
    const seen = new Map<string, number>();
    state.tokens.forEach((token, i) => {
      if (token.type !== 'heading_open') return;
      const base = slug(state.tokens[i + 1]?.content ?? '') || 'section';
      const n = seen.get(base) ?? 0;
      seen.set(base, n + 1);
      token.attrSet('id', n ? `${base}-${n}` : base);
    });
  });
  const defaultLink = md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
  md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
    const href = String(tokens[idx]!.attrGet('href') ?? '');
    // docs/naver.md, naver.md, ../CHANGELOG.md -> naver.html, changelog.html (anchors kept).
    const m = /^(?!\w+:)(?:\.{0,2}\/)*(?:docs\/)?([\w-]+)\.md(#.*)?$/.exec(href);
    if (m) tokens[idx]!.attrSet('href', `${m[1]!.toLowerCase() === 'changelog' ? 'changelog' : m[1]}.html${m[2] ?? ''}`);
    return defaultLink(tokens, idx, options, env, self);
  };
  return md;
};

const layout = (page: Page, nav: { file: string; title: string }[]) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)} · Sell-Po API</title>
<link rel="stylesheet" href="assets/site.css">
<link rel="icon" href="data:,">
</head>
<body>
<header><a class="brand" href="index.html">Sell-Po API</a>
<form class="search" role="search" onsubmit="return false"><input id="search" type="search" placeholder="Search: 마진, keywords, billing..." aria-label="Search the site" autocomplete="off"><ol id="results" hidden></ol></form>
</header>
<div class="body">
<nav><ul>${nav.map((n) => `<li${n.file === page.file ? ' class="current"' : ''}><a href="${n.file}">${escapeHtml(n.title)}</a></li>`).join('')}</ul></nav>
<main>${page.html}</main>
</div>
<script src="assets/search.js"></script>
</body>
</html>
`;

const CSS = `body{margin:0;font:16px/1.55 system-ui,sans-serif;color:#1d2330}
header{display:flex;gap:2rem;align-items:center;padding:.6rem 1.5rem;background:#14213d;color:#fff;position:relative}
header .brand{color:#fff;font-weight:700;text-decoration:none}
.search{position:relative;flex:1;max-width:32rem}.search input{width:100%;padding:.35rem .6rem;border-radius:4px;border:0}
#results{position:absolute;top:2.2rem;left:0;right:0;background:#fff;color:#1d2330;list-style:none;margin:0;padding:.3rem;box-shadow:0 4px 16px #0003;z-index:10;max-height:60vh;overflow:auto}
#results li a{display:block;padding:.3rem .5rem;text-decoration:none;color:inherit}#results li a:hover{background:#eef}
#results small{color:#667}
.body{display:flex}nav{min-width:13rem;padding:1rem;border-right:1px solid #e3e6ee}nav ul{list-style:none;padding:0;margin:0}
nav li{margin:.2rem 0}nav li.current a{font-weight:700}main{padding:1rem 2rem;max-width:60rem;overflow-x:auto}
pre{background:#f4f5f8;padding:.8rem;overflow-x:auto}code{font-size:.9em}table{border-collapse:collapse}td,th{border:1px solid #dde;padding:.3rem .5rem;vertical-align:top}
dt{font-weight:700;margin-top:1rem}dd{margin-left:1rem}`;

// The search box: matches every word of the query (any language) against the index, operations first.
const SEARCH_JS = `(() => {
  const input = document.getElementById('search');
  const list = document.getElementById('results');
  let index = null;
  const load = () => index ?? (index = fetch('search-index.json').then((r) => r.json()));
  const norm = (s) => s.toLowerCase().normalize('NFC');
  input.addEventListener('input', async () => {
    const words = norm(input.value).split(/\\s+/).filter(Boolean);
    list.replaceChildren();
    if (!words.length) { list.hidden = true; return; }
    const hits = (await load()).filter((e) => { const t = norm(e.title + ' ' + e.text); return words.every((w) => t.includes(w)); }).slice(0, 12);
    for (const e of hits) {
      const li = document.createElement('li');
      const a = document.createElement('a');
      a.href = e.url;
      a.textContent = e.title + ' ';
      const small = document.createElement('small');
      small.textContent = e.url;
      a.append(small);
      li.append(a);
      list.append(li);
    }
    if (!hits.length) { const li = document.createElement('li'); li.textContent = 'Nothing found'; list.append(li); }
    list.hidden = false;
  });
})();
`;

/** Each problem type's meaning and fix; throws naming every type missing or unknown, so none can be left out. */
export const problemCatalogue = (guide: Record<string, { meaning?: string; fix?: string } | undefined>) => {
  const kinds = Object.entries(problemKinds).map(([key, kind]) => ({ key, type: problemType(key as keyof typeof problemKinds), ...kind }));
  const names = new Set(kinds.map((k) => k.type.slice('urn:sellpo:problem:'.length)));
  const missing = [...names].filter((n) => !guide[n]?.meaning?.trim() || !guide[n]?.fix?.trim());
  const unknown = Object.keys(guide).filter((n) => !names.has(n));
  if (missing.length || unknown.length) {
    throw new Error(
      `docs/site/problem-types.yaml: ${missing.length ? `no meaning or fix for ${missing.join(', ')}` : ''}${missing.length && unknown.length ? '; ' : ''}${unknown.length ? `no such problem type: ${unknown.join(', ')}` : ''}`,
    );
  }
  return kinds.map((k) => ({ ...k, ...(guide[k.type.slice('urn:sellpo:problem:'.length)] as { meaning: string; fix: string }) }));
};

const inline = (md: ReturnType<typeof markdown>, text: string) => md.renderInline(text);

/** What the document says is scheduled to go, soonest sunset first. */
export const scheduled = (doc: Json) => {
  const out: { method: string; path: string; id: string; since: string; sunset: string; link: string; fields?: string[] }[] = [];
  for (const [path, item] of Object.entries<Json>(doc.paths ?? {})) {
    for (const [method, op] of Object.entries<Json>(item)) {
      const d = op?.['x-deprecated'];
      if (d) out.push({ method: method.toUpperCase(), path, id: op.operationId, ...d });
    }
  }
  return out.sort((a, b) => a.sunset.localeCompare(b.sunset) || a.path.localeCompare(b.path));
};

export const buildSite = (out: string): { pages: string[] } => {
  const md = markdown();
  const doc = parse(read('openapi.yaml')) as Json;
  const keywords = parse(read('docs/site/keywords.yaml')) as { tags: Record<string, string>; operations: Record<string, string> };
  const changelog = read('CHANGELOG.md');

  const guides = readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md') && f !== 'getting-started.md')
    .sort();
  const titleOf = (text: string, fallback: string) => /^# (.+)$/m.exec(text)?.[1]?.trim() ?? fallback;
  const pages: Page[] = [];
  const gettingStarted = read('docs/getting-started.md');
  pages.push({ file: 'getting-started.html', title: 'Getting started', html: md.render(gettingStarted) });
  pages.push({ file: 'reference.html', title: 'API reference', html: '' });
  for (const g of guides) {
    const text = read(`docs/${g}`);
    pages.push({ file: `${basename(g, '.md')}.html`, title: titleOf(text, basename(g, '.md')), html: md.render(text) });
  }
  pages.push({ file: 'changelog.html', title: 'Changelog', html: md.render(changelog) });

  const catalogue = problemCatalogue(parse(read('docs/site/problem-types.yaml')) as Json);
  pages.push({
    file: 'problems.html',
    title: 'Problem types',
    html:
      '<h1 id="problem-types">Problem types</h1><p>Every error is an RFC 9457 <code>application/problem+json</code> body whose <code>type</code> is one of these. <code>instance</code> is the request id.</p><dl>' +
      catalogue
        .map((k) => `<dt id="${k.type.slice('urn:sellpo:problem:'.length)}"><code>${k.type}</code> · ${k.status} ${escapeHtml(k.title)}</dt><dd><p><strong>Meaning:</strong> ${inline(md, k.meaning)}</p><p><strong>Fix:</strong> ${inline(md, k.fix)}</p></dd>`)
        .join('') +
      '</dl>',
  });

  const going = scheduled(doc);
  pages.push({
    file: 'deprecations.html',
    title: 'Scheduled to go',
    html:
      `<h1 id="scheduled-to-go">Scheduled to go</h1><p>API version ${escapeHtml(doc.info.version)}. Deprecated operations and fields answer with <code>Deprecation</code>, <code>Sunset</code> and a <code>Link</code> to their changelog entry; after the sunset date they may stop answering, with a new major version. See <a href="versioning.html">versioning</a>.</p>` +
      (going.length
        ? `<table><tr><th>operation</th><th>what</th><th>deprecated since</th><th>sunset</th><th>announcement</th></tr>${going
            .map((g) => `<tr><td><code>${g.method} ${escapeHtml(g.path)}</code><br>${escapeHtml(g.id)}</td><td>${g.fields ? `fields ${g.fields.map((f) => `<code>${escapeHtml(f)}</code>`).join(', ')}` : 'the operation'}</td><td>${g.since}</td><td>${g.sunset}</td><td><a href="${escapeHtml(g.link.replace(/^\/docs\//, ''))}">changelog</a></td></tr>`)
            .join('')}</table>`
        : '<p id="nothing-scheduled">Nothing is scheduled to go.</p>'),
  });

  // A deprecation's Link must land on a changelog heading.
  const changelogIds = new Set([...(pages.find((p) => p.file === 'changelog.html')!.html.matchAll(/ id="([^"]+)"/g))].map((m) => m[1]));
  for (const g of going) {
    const anchor = g.link.split('#')[1] ?? '';
    if (!changelogIds.has(anchor)) throw new Error(`${g.id}: deprecated.changelog "${anchor}" is not a heading id in CHANGELOG.md`);
  }

  const nav = [{ file: 'index.html', title: 'Home' }, ...pages.map((p) => ({ file: p.file, title: p.title }))];
  pages.unshift({
    file: 'index.html',
    title: 'Sell-Po API',
    html:
      `<h1 id="sell-po-api">Sell-Po API</h1><p>${inline(md, doc.info.description.split('\n')[0])}</p><p>API version <strong>${escapeHtml(doc.info.version)}</strong>.</p><ul>` +
      nav.slice(1).map((n) => `<li><a href="${n.file}">${escapeHtml(n.title)}</a></li>`).join('') +
      '</ul>',
  });

  // Search: operations (id, method, path, summary, tags, Korean words) and every page heading.
  const index: SearchEntry[] = [];
  for (const [path, item] of Object.entries<Json>(doc.paths)) {
    for (const [method, op] of Object.entries<Json>(item)) {
      const tags: string[] = op.tags ?? [];
      index.push({
        title: `${method.toUpperCase()} ${path}: ${op.summary}`,
        url: `reference.html#tag/${tags[0] ?? 'default'}/${method.toUpperCase()}${path}`,
        text: [op.operationId, ...tags, ...tags.map((t) => keywords.tags[t] ?? ''), keywords.operations[op.operationId] ?? '', op.description ?? ''].join(' '),
      });
    }
  }
  for (const p of pages) {
    for (const m of p.html.matchAll(/<h([1-3]) id="([^"]+)">(.*?)<\/h\1>/g)) {
      index.push({ title: `${p.title}: ${m[3]!.replace(/<[^>]+>/g, '')}`, url: `${p.file}#${m[2]}`, text: '' });
    }
  }

  const staging = `${out}.tmp-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(join(staging, 'assets'), { recursive: true });
  for (const p of pages) {
    if (p.file === 'reference.html') continue;
    writeFileSync(join(staging, p.file), layout(p, nav));
  }
  // Scalar renders the reference from the bundled document; no fonts or scripts from outside.
  copyFileSync(join(root, 'node_modules/@scalar/api-reference/dist/browser/standalone.js'), join(staging, 'assets/scalar.js'));
  writeFileSync(join(staging, 'openapi.json'), JSON.stringify(doc));
  writeFileSync(
    join(staging, 'reference.html'),
    `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>API reference · Sell-Po API</title><link rel="icon" href="data:,"></head>
<body>
<div id="app"></div>
<script src="assets/scalar.js"></script>
<script>
Scalar.createApiReference('#app', { url: 'openapi.json', withDefaultFonts: false, hideClientButton: true, telemetry: false, showDeveloperTools: 'never', agent: { disabled: true }, mcp: { disabled: true } });
</script>
</body>
</html>
`,
  );
  writeFileSync(join(staging, 'assets/site.css'), CSS);
  writeFileSync(join(staging, 'assets/search.js'), SEARCH_JS);
  writeFileSync(join(staging, 'search-index.json'), JSON.stringify(index));
  // Cloudflare Pages: the site is static; no build step runs there.
  writeFileSync(join(staging, '_headers'), '/*\n  X-Content-Type-Options: nosniff\n/assets/*\n  Cache-Control: public, max-age=3600\n');
  rmSync(out, { recursive: true, force: true });
  renameSync(staging, out);
  return { pages: [...pages.map((p) => p.file)] };
};

if (import.meta.main) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--out');
  if ((at >= 0 && !args[at + 1]) || args.some((a, i) => a.startsWith('--') && a !== '--out' && i !== at + 1)) {
    process.stderr.write('usage: node scripts/build-site.ts [--out DIR]\n');
    process.exit(2);
  }
  const out = at >= 0 ? args[at + 1]! : join(root, 'site');
  try {
    const { pages } = buildSite(out);
    process.stdout.write(`site: ${pages.length} pages in ${out}\n`);
  } catch (error) {
    process.stderr.write(`docs: ${(error as Error).message}\n`);
    process.exit(1);
  }
}
