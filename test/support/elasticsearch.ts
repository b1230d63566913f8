/** Helpers for tests that use the real Elasticsearch started by the jest global setup (see docs/testing.md). */
import { request } from 'undici';

/** The URL of the suite's Elasticsearch; fails loudly instead of letting a test skip or hit a wrong server. */
export function testEsUrl(): string {
  const url = process.env.LOGSHIP_TEST_ES_URL;
  if (!url)
    throw new Error(
      'LOGSHIP_TEST_ES_URL is not set: run the tests through jest (its globalSetup starts Elasticsearch) ' +
        'or set it to a running Elasticsearch, e.g. http://127.0.0.1:9200 after npm run es:start.',
    );
  return url.replace(/\/+$/, '');
}

/** Deletes every index matching `pattern` (e.g. `t-search-*`); matching nothing is fine. */
export async function deleteIndices(pattern: string): Promise<void> {
  // A bare `*` or `_all` would also wipe what other suites or a developer's data set rely on.
  if (!/^[a-z0-9][a-z0-9._-]*\*?$/.test(pattern) || pattern === '*')
    throw new Error(`deleteIndices: "${pattern}" must be an index name or a prefix ending in *, e.g. t-search-*`);
  const url = `${testEsUrl()}/${encodeURIComponent(pattern).replace('%2A', '*')}?ignore_unavailable=true&allow_no_indices=true&expand_wildcards=all`;
  const res = await request(url, { method: 'DELETE' });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`DELETE /${pattern} answered ${res.statusCode}: ${text}`);
}
