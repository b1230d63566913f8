import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';
import { byteSize } from '../config/byte-size.js';
import { duration } from '../config/duration.js';
import { ConfigError } from '../config/config-error.js';
import { existingFile } from '../config/existing-file.js';
import { readConfigFile, validateConfig } from '../config/load-config.js';
import { plainHttpProblem } from '../config/network-address.js';
import { FORMATS } from '../protocol/event.js';
import { MULTILINE_PRESET_NAMES } from './multiline-presets.js';

const DEFAULT_DATA_DIR = '/var/lib/logship';
const MIB = 1024 * 1024;

/** A collector base URL: http(s) only, so a typo like `htp://` fails at start-up instead of on the first send. */
const collectorUrl = z
  .string()
  .trim()
  .refine(
    (v) => {
      try {
        const u = new URL(v);
        return (u.protocol === 'http:' || u.protocol === 'https:') && u.username === '' && u.search === '';
      } catch {
        return false;
      }
    },
    { message: 'must be an http:// or https:// URL without credentials or query' },
  )
  .transform((v) => v.replace(/\/+$/, ''));

/** A regular expression given as text; compiled once here so a bad pattern is a config error, not a crash. */
const regexText = z.string().refine(
  (v) => {
    try {
      new RegExp(v);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'is not a valid regular expression' },
);

/** Globs are matched against absolute paths, so a relative one is resolved against the working directory. */
const pathGlob = z
  .string()
  .min(1)
  .transform((p) => resolve(p));

const positiveSize = byteSize.refine((n) => n > 0, { message: 'must be greater than 0' });
const positiveDuration = duration.refine((n) => n > 0, { message: 'must be greater than 0' });

const multilineSchema = z
  .strictObject({
    start: regexText.optional(),
    /** Built-in start patterns for Java and Python stack traces and PostgreSQL multi-line statements. */
    preset: z.enum(MULTILINE_PRESET_NAMES).optional(),
    max_lines: z.number().int().min(1).default(500),
    timeout: positiveDuration.default(2000),
  })
  .refine((m) => (m.start === undefined) !== (m.preset === undefined), {
    message: 'needs exactly one of start and preset',
  });

const inputSchema = z.strictObject({
  paths: z.array(pathGlob).min(1),
  exclude: z.array(z.string().min(1)).default([]),
  service: z.string().min(1).optional(),
  format: z.enum(FORMATS).default('auto'),
  multiline: multilineSchema.optional(),
  fields: z.record(z.string(), z.string()).default({}),
  start_at: z.enum(['beginning', 'end']).default('beginning'),
  max_line_bytes: positiveSize.default(MIB),
});

const batchSchema = z.strictObject({
  max_events: z.number().int().min(1).default(2000),
  max_bytes: positiveSize.default(MIB),
  max_wait: positiveDuration.default(1000),
});

/** `host:port` for the metrics endpoint; a port alone is not accepted, so the bind address is always explicit. */
const listenAddress = z
  .string()
  .regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, { message: 'must be host:port, e.g. 127.0.0.1:9101' })
  .refine((v) => Number(v.slice(v.lastIndexOf(':') + 1)) <= 65535, { message: 'port must be at most 65535' });

/** The shipper.yml schema (see docs/configuration.md); sizes and durations come out as bytes and milliseconds. */
export const shipperConfigSchema = z.strictObject({
  host: z
    .string()
    .min(1)
    .default(() => hostname()),
  collectors: z.array(collectorUrl).min(1),
  token: z.string().min(1),
  /** `ca` replaces the public CAs for verifying collectors; `cert` + `key` are presented for mutual TLS. */
  tls: z
    .strictObject({ ca: existingFile.optional(), cert: existingFile.optional(), key: existingFile.optional() })
    .refine((t) => (t.cert === undefined) === (t.key === undefined), { message: 'cert and key go together' })
    .optional(),
  /** Lets the token travel over plain http:// to a collector on another machine (a network you trust). */
  allow_insecure_http: z.boolean().default(false),
  data_dir: z.string().min(1).default(DEFAULT_DATA_DIR),
  inputs: z.array(inputSchema).min(1),
  batch: batchSchema.prefault({}),
  // 4, not 2: with 2, the collector and Elasticsearch took turns and left a tenth of the CPU idle; end to end, 4
  // measured 36.2k lines/s against 31.4k (bench/end-to-end-vs-peers.ts). Costs at most 4 batches of memory.
  max_in_flight: z.number().int().min(1).max(64).default(4),
  /** Batch bodies gzipped (level 1) or sent as they are: none costs bandwidth, gzip costs shipper CPU. */
  compression: z.enum(['gzip', 'none']).default('gzip'),
  /** Prometheus text on GET /metrics at this address; off when absent. */
  metrics: z.strictObject({ listen: listenAddress }).optional(),
  /** How often the shipper tells the collector it is alive (0 turns heartbeats off). */
  heartbeat_interval: duration.default(10_000),
  /** Safety-net walk of the input folders for missed file system events (0 turns it off). */
  rescan_interval: duration.default(60_000),
  /** Open file descriptors at most; idle, fully acknowledged files are closed and reopened at their place. */
  max_open_files: z.number().int().min(16).default(1024),
  /** How long a deleted file is held open waiting for its data to be acknowledged before it is given up. */
  deleted_file_hold: positiveDuration.default(600_000),
});

/** The validated, frozen shipper config. */
export type ShipperConfig = Readonly<z.output<typeof shipperConfigSchema>>;
/** One validated `inputs[]` entry. */
export type InputConfig = ShipperConfig['inputs'][number];
/** The validated `multiline` block of an input. */
export type MultilineConfig = NonNullable<InputConfig['multiline']>;

/**
 * Applies the environment overrides of docs/cli.md to raw config; they win over the file so one config can serve
 * many hosts and secrets need not live in it.
 */
function applyEnvOverrides(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out = { ...raw };
  if (env.LOGSHIP_COLLECTOR_URL) out.collectors = [env.LOGSHIP_COLLECTOR_URL];
  if (env.LOGSHIP_TOKEN) out.token = env.LOGSHIP_TOKEN;
  if (env.LOGSHIP_DATA_DIR) out.data_dir = env.LOGSHIP_DATA_DIR;
  return out;
}

/** Validates an already parsed shipper config object with the environment overrides applied. */
export function parseShipperConfig(
  raw: unknown,
  env: NodeJS.ProcessEnv = process.env,
  source = 'object',
): ShipperConfig {
  const value = raw ?? {};
  // A non-mapping is left for the schema to reject with a proper message.
  const withEnv =
    typeof value === 'object' && !Array.isArray(value)
      ? applyEnvOverrides(value as Record<string, unknown>, env)
      : value;
  return refuseInsecureCollectors(validateConfig(shipperConfigSchema, withEnv, source));
}

/** The shipper sends its token with every batch: never in clear text off this machine unless told to. */
function refuseInsecureCollectors(config: ShipperConfig): ShipperConfig {
  if (config.allow_insecure_http) return config;
  const problems = config.collectors.flatMap((url, i) => {
    const problem = plainHttpProblem(url);
    return problem ? [`collectors.${i}: ${problem}; use https:// or set allow_insecure_http: true`] : [];
  });
  if (problems.length === 0) return config;
  throw new ConfigError(
    'The shipper refuses to send its token over plain HTTP to another machine.',
    problems,
    'SHIPPER_INSECURE_COLLECTOR',
  );
}

/**
 * Loads shipper.yml with `${VAR}` expanded (or only env and defaults without a path); throws ConfigError naming
 * every bad key.
 */
export function loadShipperConfig(path: string | undefined, env: NodeJS.ProcessEnv = process.env): ShipperConfig {
  return parseShipperConfig(readConfigFile(path, env), env, path ?? 'the environment');
}
