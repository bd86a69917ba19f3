// One autocannon run of tenant requests, in its own process (pinned to another core by run.mjs); prints the
// result as JSON. argv: base url, a JSON spec { authorization, requests: [{ method, path, body? }] }, seconds,
// connections. Several requests are sent in turn on each connection (the mixed load).
import autocannon from 'autocannon';

const [url, specJson, seconds, connections] = process.argv.slice(2);
const spec = JSON.parse(specJson);
const result = await autocannon({
  url,
  duration: Number(seconds),
  connections: Number(connections),
  headers: { authorization: spec.authorization },
  requests: spec.requests.map((r) => ({
    method: r.method,
    path: r.path,
    ...(r.body ? { body: JSON.stringify(r.body), headers: { authorization: spec.authorization, 'content-type': 'application/json' } } : {}),
  })),
});
process.stdout.write(
  JSON.stringify({
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  }),
);
