/**
 * Each per-endpoint Lambda's loaded code (its entry and every chunk it imports statically, minified), as build.mjs
 * reports it in dist/build.json: at most 150 kB for an endpoint without provider clients. The endpoints over it
 * today are listed with the size they may not grow past; one that comes under the budget must leave the list.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);
const build = JSON.parse(readFileSync(new URL('dist/build.json', root), 'utf8')) as {
  endpoints: string[];
  lambdas: { id: string; contexts: string[]; bytes: number; files: string[]; largest: Record<string, number> }[];
};

const BUDGET = 150 * 1024;

/** Endpoints that call a provider (Naver's APIs, Coupang's, 1688, Toss): their clients come on top, no budget here. */
const PROVIDER_CLIENTS = new Set([
  'coupang.searchProducts',
  'coupang.crossMarket',
  'coupang.listSellerProducts',
  'coupang.getSellerProduct',
  'coupang.listOrders',
  'naver.keywordOverview',
  'naver.keywords',
  'naver.searchShopping',
  'naver.shoppingInsight',
  'naver.trends',
  'alibaba.searchOffers',
  'alibaba.getOffer',
  'alibaba.imageSearch',
  'alibaba.landedCost',
  'billing.subscribe',
  'billing.cancel',
  'billing.changePlan',
  'billing.changePaymentMethod',
  'billing.renewDue',
  'billing.tossWebhook',
  'platform.createConnection',
  // Reads the channels' order feeds (Naver Commerce, Wing) through the tenant's connections.
  'inventory.pollChannelOrders',
  // 1688 OAuth: the code exchange and the refresh on use.
  'platform.grantAlibaba1688',
  'platform.getAlibaba1688Account',
]);

/**
 * Over the budget today. Each entry wires only the contexts its endpoint reads (build.json's `contexts`), but every
 * one still loads zod (106 kB: the endpoint's schemas are built when its module loads, and the configuration is a
 * zod schema), the parser compiler that runs over those schemas (13 kB), pg with pg-protocol, pg-pool and pg-types
 * (about 80 kB), the logger (23 kB) and the platform's wiring (authentication, the key-value stores, audit). The
 * OpenAPI builder and yaml load only when the document is served. The bounds keep them from growing: endpoints
 * that wire no context (the platform's own), and those that wire some (billing or its meter, and their own).
 */
const PLATFORM_CEILING = 350 * 1024;
const CONTEXT_CEILING = 390 * 1024;
const OVER_BUDGET = new Set([
  'analysis.feeTables',
  'analysis.margin',
  'analysis.marginCompare',
  'billing.getSubscription',
  'billing.listPayments',
  'billing.listPlans',
  'billing.resume',
  'platform.createApiKey',
  'platform.createTenant',
  'platform.health',
  'platform.listApiKeys',
  'platform.listConnections',
  'platform.deleteConnection',
  'platform.authorizeAlibaba1688',
  'platform.listMembers',
  'platform.meta',
  'platform.metrics',
  'platform.openapiJson',
  'platform.openapiYaml',
  'platform.readAudit',
  'platform.revokeApiKey',
  // Inventory's endpoints load the composition root like the others (about 485 kB, 10 kB of it inventory's own).
  'inventory.adjustStock',
  'inventory.confirmReservation',
  'inventory.createBundle',
  'inventory.createSku',
  'inventory.getReservation',
  'inventory.getSku',
  'inventory.getSync',
  'inventory.listChannelOrders',
  'inventory.listLedger',
  'inventory.listListings',
  'inventory.listSkus',
  'inventory.putListing',
  'inventory.releaseReservation',
  'inventory.reserve',
  'inventory.sync',
]);

describe('per-endpoint Lambda size', () => {
  it('the build reports the loaded code of every endpoint', () => {
    expect(build.lambdas.map((l) => l.id)).toEqual(build.endpoints);
    for (const l of build.lambdas) {
      expect(l.files).toContain(`lambda/endpoints/${l.id.replaceAll('.', '-')}.mjs`);
      expect(l.bytes).toBeGreaterThan(0);
    }
  });

  it("wires no bounded context into the platform's own endpoints, inventory's with billing's meter, billing's with billing", () => {
    for (const l of build.lambdas) {
      if (l.id.startsWith('platform.')) expect(l.contexts, l.id).toEqual([]);
      if (l.id.startsWith('inventory.')) expect(l.contexts, l.id).toEqual(['billing-meter', 'inventory']);
      if (l.id.startsWith('billing.')) expect(l.contexts, l.id).toEqual(['billing']);
    }
  });

  it('no endpoint loads the YAML writer or the OpenAPI builder at start: they load when the document is served', () => {
    for (const l of build.lambdas) expect(Object.keys(l.largest), l.id).not.toEqual(expect.arrayContaining([expect.stringMatching(/^(yaml|openapi3-ts)$/)]));
  });

  it('an endpoint without provider clients loads at most 150 kB (the listed ones: no more than today)', () => {
    for (const id of [...PROVIDER_CLIENTS, ...OVER_BUDGET]) expect(build.endpoints, id).toContain(id);
    for (const l of build.lambdas) {
      if (PROVIDER_CLIENTS.has(l.id)) continue;
      if (OVER_BUDGET.has(l.id)) {
        const ceiling = l.contexts.length ? CONTEXT_CEILING : PLATFORM_CEILING;
        expect(l.bytes, `${l.id} (contexts: ${l.contexts.join(', ') || 'none'}; largest parts: ${JSON.stringify(l.largest)})`).toBeLessThanOrEqual(ceiling);
        expect(l.bytes, `${l.id} is within the budget now: take it off the over-budget list`).toBeGreaterThan(BUDGET);
      } else {
        expect(l.bytes, `${l.id} (largest parts: ${JSON.stringify(l.largest)})`).toBeLessThanOrEqual(BUDGET);
      }
    }
  });
});
