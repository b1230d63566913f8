import { errors, type Client, type estypes } from '@elastic/elasticsearch';
import { putIndexTemplates } from '../../../../collector/store/elasticsearch/index-templates.js';

/** A client whose cluster refuses what an older version refuses; it keeps the templates it took. */
function olderCluster(refusal: string | undefined) {
  const put: estypes.IndicesPutIndexTemplateRequest[] = [];
  const client = {
    indices: {
      putIndexTemplate: async (template: estypes.IndicesPutIndexTemplateRequest) => {
        const text = JSON.stringify(template);
        if (
          refusal &&
          text.includes(
            refusal
              .replace(/^index\./, '')
              .split('.')
              .pop()!,
          )
        ) {
          const reason = refusal.includes('.')
            ? `unknown setting [${refusal}] please check that any required plugins are installed`
            : `Failed to parse mapping: unknown parameter [${refusal}] on mapper [ip] of type [ip]`;
          throw new errors.ResponseError({
            body: { error: { root_cause: [{ type: 'illegal_argument_exception', reason }] }, status: 400 },
            statusCode: 400,
            headers: {},
            warnings: null,
            meta: {} as never,
          });
        }
        put.push(template);
        return { acknowledged: true };
      },
    },
  };
  return { client: client as unknown as Client, put };
}

function sourceSettings(template: estypes.IndicesPutIndexTemplateRequest): unknown[] {
  const settings = template.template!.settings as Record<string, unknown>;
  return [settings['index.mapping.source.mode'], settings['index.mapping.synthetic_source_keep']];
}

describe('putIndexTemplates', () => {
  it('puts the events template with synthetic _source where the cluster knows it', async () => {
    const { client, put } = olderCluster(undefined);
    await putIndexTemplates(client, 'logship', { replicas: 0, codec: 'default' });
    expect(put.map((t) => t.name)).toEqual([
      'logship-events',
      'logship-deadletter',
      'logship-counts',
      'logship-hosts',
      'logship-alerts',
    ]);
    expect(sourceSettings(put[0]!)).toEqual(['synthetic', 'arrays']);
  });

  it.each(['index.mapping.source.mode', 'index.mapping.synthetic_source_keep', 'synthetic_source_keep'])(
    'falls back to a stored _source where the cluster does not know %s, and puts every other template',
    async (unknown) => {
      const { client, put } = olderCluster(unknown);
      await putIndexTemplates(client, 'logship', { replicas: 0, codec: 'default' });
      expect(put.map((t) => t.name)).toHaveLength(5);
      expect(sourceSettings(put[0]!)).toEqual([undefined, undefined]);
      expect(JSON.stringify(put[0])).not.toContain('synthetic');
    },
  );

  it('passes any other refusal on', async () => {
    const client = {
      indices: {
        putIndexTemplate: async () => {
          throw new errors.ResponseError({
            body: { error: { root_cause: [{ type: 'security_exception', reason: 'action unauthorized' }] } },
            statusCode: 403,
            headers: {},
            warnings: null,
            meta: {} as never,
          });
        },
      },
    } as unknown as Client;
    await expect(putIndexTemplates(client, 'logship', { replicas: 0, codec: 'default' })).rejects.toThrow(
      'security_exception',
    );
  });
});
