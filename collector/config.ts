import { z } from 'zod';
import { byteSize } from '../config/byte-size.js';
import { duration } from '../config/duration.js';
import { readConfigFile, validateConfig } from '../config/load-config.js';
import { ConfigError } from '../config/config-error.js';
import { existingFile } from '../config/existing-file.js';
import { cidr, isLoopbackHost } from '../config/network-address.js';

const listen = z.string().regex(/^[^\s:]*:\d{1,5}$/, 'must be host:port, e.g. 127.0.0.1:8080');

/** An Elasticsearch node: http(s) only, and no credentials in it (they would show wherever a URL is logged). */
const esNode = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).refine((text) => {
  const url = new URL(text);
  return !url.username && !url.password;
}, 'must not carry credentials: use username + password(_file) or api_key(_file)');
const filePath = z.string().min(1);

const elasticsearchSchema = z
  .strictObject({
    /** One node; `nodes` lists several (the collector spreads requests over them). */
    url: esNode.optional(),
    nodes: z.array(esNode).min(1).optional(),
    username: z.string().min(1).optional(),
    username_file: filePath.optional(),
    password: z.string().min(1).optional(),
    password_file: filePath.optional(),
    /** The encoded API key (`base64(id:key)`, as Elasticsearch returns it in `encoded`). */
    api_key: z.string().min(1).optional(),
    api_key_file: filePath.optional(),
    tls: z
      .strictObject({
        /** PEM file of the CA that signed the nodes' HTTP certificates (default: the system's CAs). */
        ca: filePath.optional(),
        /** Check the nodes' certificates and names; off only for a throw-away test cluster. */
        verify: z.boolean().default(true),
        /** A client certificate and its key (PEM files), for clusters that ask for one. */
        cert: filePath.optional(),
        key: filePath.optional(),
      })
      .prefault({}),
    /** Indices are `<prefix>-YYYY.MM.DD`; tests use their own prefix to stay apart. */
    index_prefix: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]*$/, 'lower-case letters, digits, _ and - only')
      .default('logship'),
    replicas: z.number().int().min(0).default(0),
    /**
     * How daily indices created from now on compress their stored fields: `best_compression` keeps ~19 % fewer bytes
     * and makes each search page ~20 ms slower (index-templates.ts EventCodec).
     */
    codec: z.enum(['default', 'best_compression']).default('default'),
    /** Events per bulk request to Elasticsearch; measured in bench/. */
    bulk_max_events: z.number().int().positive().default(5000),
    /** Bulk requests in flight at once; more requests wait, and past `bulk_max_queued` they get 429. */
    bulk_concurrency: z.number().int().positive().default(4),
    bulk_max_queued: z.number().int().min(0).default(64),
    request_timeout: duration.default(30_000),
  })
  .superRefine((es, ctx) => {
    const problem = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if ((es.url === undefined) === (es.nodes === undefined)) problem('url', 'give either url or nodes (a list)');
    const pairs = [
      ['username', 'username_file'],
      ['password', 'password_file'],
      ['api_key', 'api_key_file'],
    ] as const;
    for (const [inline, file] of pairs)
      if (es[inline] !== undefined && es[file] !== undefined) problem(file, `give ${inline} or ${file}, not both`);
    const user = es.username !== undefined || es.username_file !== undefined;
    const password = es.password !== undefined || es.password_file !== undefined;
    const apiKey = es.api_key !== undefined || es.api_key_file !== undefined;
    if (user !== password) problem(user ? 'password' : 'username', 'username and password go together');
    if (user && apiKey) problem('api_key', 'give username + password or api_key, not both');
    if ((es.tls.cert === undefined) !== (es.tls.key === undefined)) problem('tls', 'tls.cert and tls.key go together');
    const schemes = new Set((es.nodes ?? (es.url ? [es.url] : [])).map((node) => new URL(node).protocol));
    if (schemes.size > 1) problem('nodes', 'all nodes must use the same scheme (http:// or https://)');
    if (schemes.has('http:') && (es.tls.ca !== undefined || es.tls.cert !== undefined))
      problem('tls', 'tls settings need https:// nodes');
  })
  .optional();

/** HTTPS (docs/tls.md): the files are re-read on SIGHUP. */
const tlsSchema = z
  .strictObject({
    cert: existingFile,
    key: existingFile,
    /** CAs whose client certificates are accepted: turns on mutual TLS. */
    client_ca: existingFile.optional(),
    /** With `client_ca`: `required` refuses a connection without a valid client certificate during the handshake;
     * `optional` lets it in (browsers, `logship search`), and only certificate-bound tokens then need one. */
    client_auth: z.enum(['required', 'optional']).default('required'),
  })
  .optional();

/** Alert rules are kept in the store; this is how this collector takes part in evaluating and sending them. */
const alertsSchema = z
  .strictObject({
    /** false: this collector never evaluates nor sends (it still serves the alert API). */
    enabled: z.boolean().default(true),
    /** How often every rule is evaluated. */
    evaluate_every: duration.refine((n) => n >= 100, { message: 'must be at least 100ms' }).default(30_000),
    /** The evaluator's lease in the store lasts this long without renewal (renewed every third of it). */
    lease_ttl: duration.refine((n) => n >= 500, { message: 'must be at least 500ms' }).default(15_000),
    /** The UI's address as people reach it (behind a proxy, its public URL); notifications link below it. */
    public_url: z.url({ protocol: /^https?$/ }).optional(),
    delivery: z
      .strictObject({
        /** One notification request may take this long, connection and answer included. */
        timeout: duration.refine((n) => n >= 100, { message: 'must be at least 100ms' }).default(10_000),
        /** The longest wait between two attempts (capped exponential backoff with jitter). */
        max_backoff: duration.refine((n) => n >= 100, { message: 'must be at least 100ms' }).default(300_000),
        /** A notification still undelivered after this long is dropped and counted. */
        give_up_after: duration.default(86_400_000),
        /** URL prefixes webhooks may go to (e.g. https://hooks.slack.com/); empty: any http(s) URL. */
        allowed_urls: z.array(z.url({ protocol: /^https?$/ })).default([]),
      })
      .prefault({}),
  })
  .prefault({});

const schema = z.strictObject({
  listen: listen.default('127.0.0.1:8080'),
  tls: tlsSchema,
  /** Plain HTTP on a non-loopback address refuses to start unless this says the network is trusted. */
  allow_insecure_http: z.boolean().default(false),
  /** Proxies whose X-Forwarded-Proto and X-Forwarded-For are believed; from any other peer they are ignored. */
  trusted_proxies: z.array(cidr).default([]),
  data_dir: z.string().min(1).default('./data'),
  elasticsearch: elasticsearchSchema,
  limits: z
    .strictObject({
      /** Largest ingest request body after decompression. */
      max_body_bytes: byteSize.default(32 * 1024 * 1024),
      /** Largest message in one event; a longer one is rejected to the dead-letter store. */
      max_message_bytes: byteSize.default(1024 * 1024),
      /** Write requests (ingest and _bulk) handled at once; more get 429 before their body is read. */
      max_ingest_in_flight: z.number().int().positive().default(16),
      /** Of those, at most this many for one token, so one sender cannot hold every slot. */
      max_ingest_in_flight_per_token: z.number().int().positive().default(8),
      /** Bytes of write bodies (as sent, then inflated) held at once; past it more writes get 429. */
      max_ingest_bytes_in_flight: byteSize.default(64 * 1024 * 1024),
      /** A write whose body sends nothing for this long is answered 408 and its slot freed. */
      body_idle_timeout: duration.default(10_000),
      /** A write whose body is not whole after this long is answered 408 and its slot freed. */
      body_read_timeout: duration.default(120_000),
      /** Bytes of a rejected line kept in the dead-letter store, with its full length and SHA-256. */
      deadletter_max_original_bytes: byteSize.default(64 * 1024),
      /** Bytes of dead letters one token may add per UTC day on one collector; past it they are summarised. */
      deadletter_budget_per_token: byteSize.default(256 * 1024 * 1024),
    })
    .prefault({}),
  search: z
    .strictObject({
      /** Every search and aggregation is stopped after this long. */
      timeout: duration.default(10_000),
      /** Totals are exact up to this many hits, then reported with relation `gte`. */
      exact_total_up_to: z.number().int().positive().default(1_000_000),
      /** `/hosts` calls a host silent when neither an event nor a heartbeat arrived for this long. */
      host_silent_after: duration.default(300_000),
      /** `/tail` sends a comment this often so proxies keep an idle stream open. */
      tail_heartbeat: duration.default(15_000),
      /** Live tails open at once on this collector, and per token; one more is refused with 429. */
      tail_max_streams: z.number().int().min(1).default(64),
      tail_max_streams_per_token: z.number().int().min(1).default(8),
      /** Embedded store: threads that run reads at once, each with its own read-only connection. */
      read_threads: z.number().int().min(1).max(64).default(2),
      /** Embedded store: reads waiting for a read thread at most; more are refused with 429 QUERY_OVERLOADED. */
      max_queued_reads: z.number().int().min(0).default(64),
    })
    .prefault({}),
  /** UI sessions end after this long without a request, and this long after sign-in at most. */
  sessions: z
    .strictObject({
      idle_timeout: duration.default(2 * 3600_000),
      max_lifetime: duration.default(12 * 3600_000),
    })
    .prefault({}),
  clock: z
    .strictObject({
      /** `/hosts` flags a host whose clock is further than this from the collector's. */
      skew_threshold: duration.default(2000),
    })
    .prefault({}),
  patterns: z
    .strictObject({
      /** Events read at most per window to find patterns; windows with more are sampled per histogram bucket. */
      max_sample: z.number().int().positive().max(1_000_000).default(20_000),
      /** Reading and grouping stop after this long and answer with what they have. */
      time_limit: duration.default(10_000),
    })
    .prefault({}),
  export: z
    .strictObject({
      /** Events an export holds when the caller names no limit. */
      default_events: z.number().int().positive().default(100_000),
      /** The most events one export may hold, whatever the caller asks (`limit=max` asks for this). */
      max_events: z.number().int().positive().default(10_000_000),
    })
    .prefault({}),
  /** Self-monitoring: `/metrics` and `GET /api/v1/status` (docs/metrics.md). */
  monitoring: z
    .strictObject({
      /** Hosts (token/host pairs) with series of their own in `/metrics`; later ones are counted as `_other`. */
      max_hosts: z.number().int().positive().default(1000),
      /** `status` lists a host as lagging when its lines take longer than this from read to stored… */
      lagging_after: duration.default(60_000),
      /** …or its shipper has more than this written but not acknowledged. */
      lagging_backlog: byteSize.default(64 * 1024 * 1024),
    })
    .prefault({}),
  /** Whole days of events older than this are deleted (hourly and at start). */
  retention_days: z.number().int().positive().default(14),
  /** Dead letters are kept longer, to trace a misbehaving sender after the fact. */
  deadletter_retention_days: z.number().int().positive().default(90),
  alerts: alertsSchema,
  /** How often the token file is re-read, so new and revoked tokens apply without a restart. */
  token_reload_interval: duration.default(1000),
});

export type CollectorConfig = z.output<typeof schema>;

/**
 * Loads collector.yml (optional) with `${VAR}` expanded, applies LOGSHIP_* environment overrides, validates once,
 * freezes.
 */
export function loadCollectorConfig(path: string | undefined, env: NodeJS.ProcessEnv = process.env): CollectorConfig {
  const raw = readConfigFile(path, env);
  if (env.LOGSHIP_LISTEN) raw.listen = env.LOGSHIP_LISTEN;
  if (env.LOGSHIP_DATA_DIR) raw.data_dir = env.LOGSHIP_DATA_DIR;
  if (env.LOGSHIP_ES_URL) {
    const es = raw.elasticsearch;
    // The variable names the one node to use, also over a `nodes` list in the file.
    const { nodes: _nodes, ...rest } = (es && typeof es === 'object' ? es : {}) as Record<string, unknown>;
    raw.elasticsearch = { ...rest, url: env.LOGSHIP_ES_URL };
  }
  return refuseInsecureListen(validateConfig(schema, raw, path ?? 'defaults and environment'));
}

/** Builds a validated config from an object (tests and `standalone`). */
export function collectorConfig(raw: Record<string, unknown>): CollectorConfig {
  return refuseInsecureListen(validateConfig(schema, raw, 'object'));
}

/**
 * Plain HTTP is for loopback: on any other address tokens, session cookies and logs would cross the network in
 * clear text, so the collector refuses to start unless TLS is configured or `allow_insecure_http` says so.
 */
function refuseInsecureListen(config: CollectorConfig): CollectorConfig {
  if (config.tls || config.allow_insecure_http) return config;
  const { host } = parseListen(config.listen);
  if (isLoopbackHost(host)) return config;
  throw new ConfigError(
    'The collector refuses to serve plain HTTP on a non-loopback address.',
    [
      `listen: ${config.listen} is not a loopback address, and without tls tokens and logs would cross the ` +
        'network in clear text; configure tls.cert and tls.key (docs/tls.md), listen on 127.0.0.1, or set ' +
        'allow_insecure_http: true behind a TLS-terminating proxy',
    ],
    'COLLECTOR_INSECURE_LISTEN',
  );
}

/** Splits `host:port` (validated by the schema). */
export function parseListen(value: string): { host: string; port: number } {
  const i = value.lastIndexOf(':');
  const port = Number(value.slice(i + 1));
  if (port > 65535) throw new ConfigError('Config is invalid.', [`listen: port ${port} is above 65535`]);
  return { host: value.slice(0, i) || '0.0.0.0', port };
}
