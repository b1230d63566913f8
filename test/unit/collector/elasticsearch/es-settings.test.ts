import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { collectorConfig, loadCollectorConfig } from '../../../../collector/config.js';
import { ConfigError } from '../../../../config/config-error.js';
import { esClientOptions, esConnection } from '../../../../collector/store/elasticsearch/es-connection.js';
import { BACKUP_PRIVILEGES, collectorRole } from '../../../../collector/store/elasticsearch/es-privileges.js';
import { eventTemplate } from '../../../../collector/store/elasticsearch/index-templates.js';
import { esStoreOptions } from '../../../../collector/store/create-store.js';

const DOCS = join(import.meta.dirname, '..', '..', '..', '..', 'docs', 'elasticsearch.md');

/** The YAML block after `<!-- marker -->` in docs/elasticsearch.md. */
function docsBlock(marker: string): unknown {
  const text = readFileSync(DOCS, 'utf8');
  const m = new RegExp(`<!-- ${marker} -->\\n\`\`\`yaml\\n([\\s\\S]*?)\`\`\``).exec(text);
  if (!m) throw new Error(`no ${marker} block in docs/elasticsearch.md`);
  return parse(m[1]!);
}

function problems(raw: Record<string, unknown>): string[] {
  try {
    collectorConfig({ elasticsearch: raw });
    return [];
  } catch (err) {
    return [...(err as ConfigError).problems];
  }
}

describe('the Elasticsearch roles in the docs', () => {
  it('are exactly the privileges the collector checks and the tests grant', () => {
    expect(docsBlock('collector-role')).toEqual({ logship_collector: collectorRole('logship') });
    expect(docsBlock('backup-role')).toEqual({
      logship_backup: {
        cluster: [...BACKUP_PRIVILEGES.cluster],
        indices: [{ names: ['logship-*'], privileges: [...BACKUP_PRIVILEGES.index] }],
      },
    });
  });
});

describe('the codec of new daily indices', () => {
  it('is the default unless best_compression is named, and names any other value', () => {
    const templates = (raw: Record<string, unknown>) =>
      esStoreOptions(collectorConfig({ elasticsearch: { url: 'http://a:9200', ...raw } })).templates;
    expect(templates({})).toEqual({ replicas: 0, codec: 'default' });
    expect(templates({ codec: 'best_compression', replicas: 1 })).toEqual({ replicas: 1, codec: 'best_compression' });
    expect(problems({ url: 'http://a:9200', codec: 'zstd' })).toEqual([
      'elasticsearch.codec: Invalid option: expected one of "default"|"best_compression"',
    ]);
    const settings = (codec: 'default' | 'best_compression') =>
      eventTemplate('logship', { replicas: 0, codec }).template!.settings as Record<string, unknown>;
    expect([settings('default')['index.codec'], settings('best_compression')['index.codec']]).toEqual([
      undefined,
      'best_compression',
    ]);
  });
});

describe('elasticsearch connection settings', () => {
  it('names each contradiction with its key', () => {
    expect(problems({ url: 'http://a:9200', nodes: ['http://b:9200'] })).toEqual([
      'elasticsearch.url: give either url or nodes (a list)',
    ]);
    expect(problems({})).toEqual(['elasticsearch.url: give either url or nodes (a list)']);
    expect(problems({ url: 'https://a:9200', username: 'u' })).toEqual([
      'elasticsearch.password: username and password go together',
    ]);
    expect(problems({ url: 'https://a:9200', password: 'p', password_file: '/f', username: 'u' })).toEqual([
      'elasticsearch.password_file: give password or password_file, not both',
    ]);
    expect(problems({ url: 'https://a:9200', username: 'u', password: 'p', api_key: 'k' })).toEqual([
      'elasticsearch.api_key: give username + password or api_key, not both',
    ]);
    expect(problems({ nodes: ['http://a:9200', 'https://b:9200'] })).toEqual([
      'elasticsearch.nodes: all nodes must use the same scheme (http:// or https://)',
    ]);
    expect(problems({ url: 'http://a:9200', tls: { ca: '/ca.pem' } })).toEqual([
      'elasticsearch.tls: tls settings need https:// nodes',
    ]);
    expect(problems({ url: 'https://a:9200', tls: { cert: '/c.pem' } })).toEqual([
      'elasticsearch.tls: tls.cert and tls.key go together',
    ]);
  });

  it('refuses credentials inside a URL, where any log line would show them', () => {
    expect(problems({ url: 'https://elastic:s3cret@a:9200' })).toEqual([
      'elasticsearch.url: must not carry credentials: use username + password(_file) or api_key(_file)',
    ]);
    expect(problems({ nodes: ['ftp://a:21'] })).toEqual(['elasticsearch.nodes.0: must be an http:// or https:// URL']);
  });

  it('reads secrets from files once (without the final newline) and builds client options for every node', () => {
    const dir = mkdtempSync(join(tmpdir(), 'logship-es-settings-'));
    try {
      writeFileSync(join(dir, 'pw'), 'p4ss word\n');
      writeFileSync(join(dir, 'ca.pem'), 'CA');
      const config = collectorConfig({
        elasticsearch: {
          nodes: ['https://a:9200', 'https://b:9200', 'https://c:9200'],
          username: 'logship',
          password_file: join(dir, 'pw'),
          tls: { ca: join(dir, 'ca.pem') },
        },
      });
      const connection = esConnection(config.elasticsearch!);
      expect(connection.auth).toEqual({ username: 'logship', password: 'p4ss word' });
      const options = esClientOptions(connection, 5000);
      expect(options.nodes).toEqual(['https://a:9200', 'https://b:9200', 'https://c:9200']);
      // A request that could not reach one node goes to each other one once.
      expect(options.maxRetries).toBe(2);
      expect(options.tls).toEqual({ rejectUnauthorized: true, ca: Buffer.from('CA') });
      expect(() =>
        esConnection(
          collectorConfig({ elasticsearch: { url: 'https://a:9200', api_key_file: join(dir, 'none') } }).elasticsearch!,
        ),
      ).toThrow(`elasticsearch.api_key_file: cannot read the secret file ${join(dir, 'none')} (ENOENT)`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lets LOGSHIP_ES_URL replace the nodes of the file, keeping its credentials', () => {
    const dir = mkdtempSync(join(tmpdir(), 'logship-es-settings-'));
    try {
      const file = join(dir, 'collector.yml');
      writeFileSync(file, 'elasticsearch:\n  nodes: [https://a:9200, https://b:9200]\n  username: u\n  password: p\n');
      const config = loadCollectorConfig(file, { LOGSHIP_ES_URL: 'https://override:9200' });
      expect(config.elasticsearch).toMatchObject({ url: 'https://override:9200', username: 'u' });
      expect(config.elasticsearch!.nodes).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
