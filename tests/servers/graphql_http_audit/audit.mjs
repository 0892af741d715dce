// Runs graphql-http's server audits (the GraphQL-over-HTTP specification's MUSTs, SHOULDs
// and MAYs) against a Townhall /graphql and prints one JSON line per audit.
import { auditServer } from 'graphql-http';

const [url, user] = process.argv.slice(2);
const results = await auditServer({
  url,
  fetchFn: (input, init = {}) =>
    fetch(input, { ...init, headers: { ...(init.headers || {}), 'X-Townhall-User': user } }),
});
for (const r of results) {
  console.log(JSON.stringify({ id: r.id, name: r.name, status: r.status, reason: r.reason ?? null }));
}
