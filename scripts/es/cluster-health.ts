import { Agent, request } from 'undici';

/** Where a local Elasticsearch answers, and how to get in when its security is on. */
export interface EsEndpoint {
  url: string;
  /** Basic credentials (security on). */
  auth?: { username: string; password: string };
  /** PEM of the CA that signed the server's HTTP certificate (HTTPS). */
  ca?: string;
}

/** The parts of `GET /_cluster/health` we read. */
export interface ClusterHealth {
  status: 'green' | 'yellow' | 'red';
  number_of_nodes: number;
}

/**
 * `GET /_cluster/health`, optionally waiting up to 2 s for a status; undefined when nothing answers or the cluster
 * is not at least yellow (a node that has not joined a cluster yet answers 503).
 */
export async function clusterHealth(
  endpoint: EsEndpoint,
  waitFor?: 'yellow' | 'green',
): Promise<ClusterHealth | undefined> {
  const query = waitFor ? `?wait_for_status=${waitFor}&timeout=2s` : '';
  const dispatcher = endpoint.ca ? new Agent({ connect: { ca: endpoint.ca } }) : undefined;
  const headers: Record<string, string> = {};
  if (endpoint.auth)
    headers.authorization = `Basic ${Buffer.from(`${endpoint.auth.username}:${endpoint.auth.password}`).toString('base64')}`;
  try {
    const res = await request(`${endpoint.url}/_cluster/health${query}`, {
      headers,
      headersTimeout: 5_000,
      bodyTimeout: 5_000,
      ...(dispatcher && { dispatcher }),
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) return undefined;
    const body = JSON.parse(text) as Partial<ClusterHealth>;
    if (body.status !== 'green' && body.status !== 'yellow') return undefined;
    if (waitFor === 'green' && body.status !== 'green') return undefined;
    return { status: body.status, number_of_nodes: Number(body.number_of_nodes) };
  } catch {
    return undefined;
  } finally {
    await dispatcher?.close();
  }
}
