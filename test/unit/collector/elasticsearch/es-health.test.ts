import { errors, type Client } from '@elastic/elasticsearch';
import { EsHealth } from '../../../../collector/store/elasticsearch/es-health.js';

/** A client whose cluster health answers as given (a fake: the real cluster's answers are tested in integration). */
function clientAnswering(health: () => Promise<unknown>): Client {
  return {
    cluster: { health },
    security: { hasPrivileges: () => Promise.reject(new Error('not asked')) },
  } as unknown as Client;
}

function responseError(statusCode: number, type: string): errors.ResponseError {
  return new errors.ResponseError({
    body: { error: { type, reason: null }, status: statusCode },
    statusCode,
    headers: {},
    warnings: null,
    meta: {
      context: null,
      name: 'es',
      request: { params: { method: 'GET', path: '/_cluster/health' }, options: {}, id: 1 },
      connection: null,
      attempts: 0,
      aborted: false,
    },
  } as unknown as ConstructorParameters<typeof errors.ResponseError>[0]);
}

describe('Elasticsearch health as the collector sees it', () => {
  it('calls a cluster without an elected master red (503 on health), instead of failing the check', async () => {
    const health = new EsHealth(
      clientAnswering(() => Promise.reject(responseError(503, 'master_not_discovered_exception'))),
      'logship',
      'none',
    );
    const state = await health.check();
    expect(state.status).toBe('unavailable');
    expect(state.problem?.problem).toBe('ES_CLUSTER_RED');
    expect(state.problem?.message).toBe(
      'Elasticsearch cannot tell its health (master_not_discovered_exception): the cluster is not usable now.',
    );
  });

  it('lets an error that is not about the cluster rise (a bug must not look like an outage)', async () => {
    const health = new EsHealth(
      clientAnswering(() => Promise.reject(new TypeError('boom'))),
      'logship',
      'none',
    );
    await expect(health.check()).rejects.toThrow('boom');
  });
});
