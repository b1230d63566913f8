import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCollectorConfig } from '../../../collector/config.js';
import { configErrorOf } from '../../support/config-error.js';

describe('${VAR} in collector.yml', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'logship-collector-config-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads every ${VAR} and ${VAR:-default} from the environment, in nested strings too', () => {
    const file = join(dir, 'collector.yml');
    writeFileSync(
      file,
      [
        'listen: ${BIND_HOST}:${BIND_PORT:-9090}',
        'data_dir: ${STATE}/logship',
        'elasticsearch:',
        '  url: http://${ES_HOST}:9200',
        '  index_prefix: logs-${ENV_NAME:-dev}',
        '',
      ].join('\n'),
    );
    const config = loadCollectorConfig(file, {
      BIND_HOST: '127.0.0.2',
      STATE: '/srv',
      ES_HOST: 'es-1',
      ENV_NAME: 'prod',
    });
    expect(config.listen).toBe('127.0.0.2:9090');
    expect(config.data_dir).toBe('/srv/logship');
    expect(config.elasticsearch?.url).toBe('http://es-1:9200');
    expect(config.elasticsearch?.index_prefix).toBe('logs-prod');
  });

  it('names the key of every variable that is not set', () => {
    const file = join(dir, 'collector.yml');
    writeFileSync(file, 'listen: ${NOT_SET_A}:8080\nelasticsearch:\n  url: ${NOT_SET_B}\n');
    const err = configErrorOf(() => loadCollectorConfig(file, {}));
    expect(err.problems).toEqual([
      'listen: environment variable NOT_SET_A is not set',
      'elasticsearch.url: environment variable NOT_SET_B is not set',
    ]);
    expect(err.message).toContain(file);
  });

  it('lets LOGSHIP_* overrides win over expanded values', () => {
    const file = join(dir, 'collector.yml');
    writeFileSync(file, 'listen: ${BIND}\n');
    expect(loadCollectorConfig(file, { BIND: '127.0.0.1:1111', LOGSHIP_LISTEN: '127.0.0.1:2222' }).listen).toBe(
      '127.0.0.1:2222',
    );
  });
});
