// One autocannon run, in its own process (pinned to another core by run.mjs); prints the result as JSON.
import autocannon from 'autocannon';

const [url, method, seconds, connections, body] = process.argv.slice(2);
const result = await autocannon({
  url,
  method,
  duration: Number(seconds),
  connections: Number(connections),
  ...(body ? { body, headers: { 'content-type': 'application/json' } } : {}),
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
