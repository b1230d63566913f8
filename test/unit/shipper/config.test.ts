import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { configErrorOf } from '../../support/config-error.js';
import { loadShipperConfig, parseShipperConfig } from '../../../shipper/config.js';

const minimal = {
  collectors: ['http://127.0.0.1:8080'],
  token: 'secret-1',
  inputs: [{ paths: ['/var/log/app/*.log'] }],
};

/** The problems of the ConfigError thrown by `fn`. */
const problemsOf = (fn: () => unknown): readonly string[] => configErrorOf(fn).problems;

describe('shipper config', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'logship-shipper-config-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('applies every default of docs/configuration.md', () => {
    const c = parseShipperConfig(
      { ...minimal, inputs: [{ paths: ['/var/log/app/*.log'], multiline: { start: '^\\d{4}-' } }] },
      {},
    );
    expect(c.host).toBe(hostname());
    expect(c.data_dir).toBe('/var/lib/logship');
    expect(c.batch).toEqual({ max_events: 2000, max_bytes: 1_048_576, max_wait: 1000 });
    expect(c.max_in_flight).toBe(4);
    expect(c.tls).toBeUndefined();
    expect(c.inputs[0]).toEqual({
      paths: ['/var/log/app/*.log'],
      exclude: [],
      format: 'auto',
      multiline: { start: '^\\d{4}-', max_lines: 500, timeout: 2000 },
      fields: {},
      start_at: 'beginning',
      max_line_bytes: 1_048_576,
    });
  });

  it('rejects unknown keys and names them with their path', () => {
    const problems = problemsOf(() =>
      parseShipperConfig(
        {
          ...minimal,
          colectors: ['http://x'],
          batch: { max_event: 10 },
          inputs: [{ paths: ['/a/*.log'], servce: 'api' }],
        },
        {},
      ),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        'colectors: unknown key',
        'batch.max_event: unknown key',
        'inputs.0.servce: unknown key',
      ]),
    );
    expect(problems).toHaveLength(3);
  });

  it('reports each broken rule with its key', () => {
    const problems = problemsOf(() =>
      parseShipperConfig(
        {
          collectors: ['ftp://logs.example'],
          token: '',
          tls: { ca: join(dir, 'missing-ca.pem') },
          inputs: [
            {
              paths: ['/a/*.log'],
              format: 'xml',
              start_at: 'middle',
              multiline: { start: '([' },
              max_line_bytes: '1 lightyear',
            },
          ],
          batch: { max_wait: 'soon' },
          max_in_flight: 0,
        },
        {},
      ),
    );
    const keys = problems.map((p) => p.slice(0, p.indexOf(':')));
    expect(keys.sort()).toEqual(
      [
        'batch.max_wait',
        'collectors.0',
        'inputs.0.format',
        'inputs.0.max_line_bytes',
        'inputs.0.multiline.start',
        'inputs.0.start_at',
        'max_in_flight',
        'tls.ca',
        'token',
      ].sort(),
    );
  });

  it('lets LOGSHIP_COLLECTOR_URL, LOGSHIP_TOKEN and LOGSHIP_DATA_DIR win over the file', () => {
    const c = parseShipperConfig(
      { ...minimal, collectors: ['http://a:1', 'http://b:2'], data_dir: '/srv/logship' },
      {
        LOGSHIP_COLLECTOR_URL: 'https://collector.internal:8443/',
        LOGSHIP_TOKEN: 'from-env',
        LOGSHIP_DATA_DIR: '/tmp/x',
      },
    );
    expect(c.collectors).toEqual(['https://collector.internal:8443']);
    expect(c.token).toBe('from-env');
    expect(c.data_dir).toBe('/tmp/x');
  });

  it('loads shipper.yml with ${VAR} expansion, sizes and durations, and freezes it', () => {
    const ca = join(dir, 'ca.pem');
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\n');
    const file = join(dir, 'shipper.yml');
    writeFileSync(
      file,
      [
        'host: web-1',
        'collectors:',
        '  - http://127.0.0.1:8080',
        'token: ${SHIP_TOKEN}',
        `tls: { ca: ${ca} }`,
        `data_dir: ${dir}/data`,
        'inputs:',
        '  - paths: ["/var/log/app/*.log", "/var/log/app/**/*.json"]',
        '    exclude: ["*.gz"]',
        '    service: api',
        '    format: nginx',
        "    multiline: { start: '^\\d{4}-\\d{2}-\\d{2}', max_lines: 50, timeout: 2s }",
        '    fields: { env: prod }',
        '    start_at: end',
        '    max_line_bytes: 64KiB',
        'batch: { max_events: 500, max_bytes: 512kb, max_wait: 250ms }',
        'max_in_flight: 4',
        '',
      ].join('\n'),
    );
    const c = loadShipperConfig(file, { SHIP_TOKEN: 'tok-123' });
    expect(c.token).toBe('tok-123');
    expect(c.tls).toEqual({ ca });
    expect(c.batch).toEqual({ max_events: 500, max_bytes: 512_000, max_wait: 250 });
    expect(c.max_in_flight).toBe(4);
    const input = c.inputs[0]!;
    expect(input.multiline).toEqual({ start: '^\\d{4}-\\d{2}-\\d{2}', max_lines: 50, timeout: 2000 });
    expect(input.max_line_bytes).toBe(65_536);
    expect(input.start_at).toBe('end');
    expect(input.fields).toEqual({ env: 'prod' });
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.inputs[0]!.paths)).toBe(true);
  });

  it('fails naming the key when a ${VAR} is not set', () => {
    const file = join(dir, 'shipper.yml');
    writeFileSync(
      file,
      'collectors: [http://127.0.0.1:8080]\ntoken: ${NOT_SET_ANYWHERE}\ninputs: [{ paths: [/a.log] }]\n',
    );
    expect(problemsOf(() => loadShipperConfig(file, {}))).toEqual([
      'token: environment variable NOT_SET_ANYWHERE is not set',
    ]);
  });

  it('resolves relative globs against the working directory', () => {
    const c = parseShipperConfig({ ...minimal, inputs: [{ paths: ['logs/*.log'] }] }, {});
    expect(c.inputs[0]!.paths).toEqual([join(process.cwd(), 'logs/*.log')]);
  });
});
