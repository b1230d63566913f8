import { spawn, type ChildProcess } from 'node:child_process';
import {
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, stopProcess, waitFor } from './processes.js';

const DEPLOY = join(import.meta.dirname, '..', '..', 'deploy', 'nginx');

/** Debian's nginx (CI installs the package); a test that needs it fails with this message instead of skipping. */
function nginxBinary(): string {
  for (const path of ['/usr/sbin/nginx', '/usr/bin/nginx', '/usr/local/sbin/nginx']) if (existsSync(path)) return path;
  throw new Error('nginx is not installed: the load-balancer tests need the real server (apt-get install nginx).');
}

export interface NginxOptions {
  /** `host:port` of each collector, in place of the example's upstream servers. */
  upstreams: readonly string[];
  /** Serve deploy/nginx/conf.d/logship-https.conf with this certificate instead of logship-http.conf. */
  tls?: { cert: string; key: string };
}

/** One request as nginx logged it. */
export interface AccessLine {
  status: number;
  /** `host:port` of each collector tried, in order (several when nginx went on to the next one). */
  upstreams: string[];
  /** What each of them answered (`502` for one that failed, as nginx counts it). */
  upstreamStatuses: string[];
  request: string;
}

/** A running nginx with deploy/nginx's configuration, as its own non-daemon process with its own prefix. */
export interface TestNginx {
  url: string;
  port: number;
  /** The access log: per request, its status, the collectors tried and what each answered (in that order). */
  accessLog(): AccessLine[];
  errorLog(): string;
  stop(): Promise<void>;
}

/**
 * Replaces `pattern` in `text`, insisting on exactly `count` matches: when deploy/nginx's files change shape the test
 * fails here instead of quietly testing a configuration that was not rewritten.
 */
function rewrite(text: string, pattern: RegExp, replacement: string, count: number, what: string): string {
  const found = text.match(new RegExp(pattern.source, 'gm'))?.length ?? 0;
  if (found !== count) throw new Error(`deploy/nginx: expected ${count} ${what}, found ${found}`);
  return text.replace(new RegExp(pattern.source, 'gm'), replacement);
}

/**
 * Starts nginx from the example configuration in deploy/nginx, changed only where a test must: the upstream servers,
 * the listening port (loopback) and the certificate paths. Logs and temp files stay in a folder of its own.
 */
export async function startNginx(options: NginxOptions): Promise<TestNginx> {
  const binary = nginxBinary();
  const dir = mkdtempSync(join(tmpdir(), 'logship-nginx-'));
  for (const sub of ['conf/conf.d', 'conf/snippets', 'logs', 'temp']) mkdirSync(join(dir, sub), { recursive: true });
  const port = await freePort();

  let upstream = readFileSync(join(DEPLOY, 'conf.d/logship-upstream.conf'), 'utf8');
  upstream = rewrite(upstream, /^ {4}server \S+ (.*)$/, '', 2, 'upstream servers');
  upstream = upstream.replace(
    /^upstream logship_collectors \{\n/m,
    (head) => head + options.upstreams.map((u) => `    server ${u} max_fails=1 fail_timeout=5s;\n`).join(''),
  );
  writeFileSync(join(dir, 'conf/conf.d/logship-upstream.conf'), upstream);

  const site = options.tls ? 'logship-https.conf' : 'logship-http.conf';
  let server = readFileSync(join(DEPLOY, 'conf.d', site), 'utf8');
  if (options.tls) {
    server = rewrite(server, /listen 443 ssl http2;/, `listen 127.0.0.1:${port} ssl http2;`, 1, 'TLS listeners');
    // The redirect server would need port 80; the test has no use for it.
    server = rewrite(server, /^# Plain HTTP only[\s\S]*$/, '', 1, 'redirect servers');
    server = rewrite(server, /ssl_certificate \S+;/, `ssl_certificate ${options.tls.cert};`, 1, 'certificates');
    server = rewrite(server, /ssl_certificate_key \S+;/, `ssl_certificate_key ${options.tls.key};`, 1, 'keys');
  } else {
    server = rewrite(server, /listen 80;/, `listen 127.0.0.1:${port};`, 1, 'HTTP listeners');
  }
  writeFileSync(join(dir, 'conf/conf.d', site), server);
  copyFileSync(join(DEPLOY, 'snippets/logship-proxy.conf'), join(dir, 'conf/snippets/logship-proxy.conf'));

  // As root, nginx's workers run as nobody: they write request bodies under temp/.
  const root = process.getuid?.() === 0;
  if (root) chownSync(join(dir, 'temp'), 65534, 65534);
  writeFileSync(
    join(dir, 'conf/nginx.conf'),
    [
      'daemon off;',
      'worker_processes 1;',
      root ? 'user nobody nogroup;' : '',
      `pid ${join(dir, 'nginx.pid')};`,
      `error_log ${join(dir, 'logs/error.log')} info;`,
      'events { worker_connections 512; }',
      'http {',
      `  log_format logship '$status|$upstream_addr|$upstream_status|$request';`,
      `  access_log ${join(dir, 'logs/access.log')} logship;`,
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${join(dir, 'temp', t)};`),
      '  default_type application/octet-stream;',
      '  include conf.d/logship-upstream.conf;',
      `  include conf.d/${site};`,
      '}',
      '',
    ].join('\n'),
  );

  const child: ChildProcess = spawn(binary, ['-p', `${dir}/`, '-c', 'conf/nginx.conf', '-e', 'logs/error.log'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitFor(
    'nginx to listen',
    async () => {
      if (child.exitCode !== null) {
        throw new Error(`nginx exited with ${child.exitCode}: ${stderr}${readIf(join(dir, 'logs/error.log'))}`);
      }
      return (await accepts(port)) ? true : undefined;
    },
    10_000,
    50,
  ).catch(async (err: unknown) => {
    await stopProcess(child, 'SIGKILL');
    throw err;
  });

  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    accessLog: () =>
      readIf(join(dir, 'logs/access.log'))
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const [status, addrs, statuses, ...request] = line.split('|');
          const list = (v: string | undefined) => (v && v !== '-' ? v.split(/, | : /) : []);
          return {
            status: Number(status),
            upstreams: list(addrs),
            upstreamStatuses: list(statuses),
            request: request.join('|'),
          };
        }),
    errorLog: () => readIf(join(dir, 'logs/error.log')),
    async stop() {
      // SIGTERM is nginx's fast shutdown: open tails are cut instead of waited for.
      await stopProcess(child, 'SIGTERM');
      await exited;
      if (!process.env.LOGSHIP_TEST_KEEP) rmSync(dir, { recursive: true, force: true });
    },
  };
}

function readIf(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
