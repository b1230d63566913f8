import { resolve } from 'node:path';
import { Command } from 'commander';

const collect = (value: string, all: string[]): string[] => [...all, value];

/** `logship tls init`: a private CA, a collector certificate and client certificates for a small fleet. */
export function tlsCommand(): Command {
  const tls = new Command('tls').description('certificates for HTTPS and mutual TLS (docs/tls.md)');
  tls
    .command('init')
    .description(
      'make a CA, a server certificate and client certificates in --out; an existing CA there is reused, existing ' +
        'certificates are kept unless --renew',
    )
    .option('--out <dir>', 'folder for the files (made 0700; keys are 0600)', './tls')
    .option('--server-name <dns>', 'DNS name of the collector, in its certificate (repeatable)', collect, [])
    .option('--server-ip <ip>', 'IP address of the collector, in its certificate (repeatable)', collect, [])
    .option('--client <name>', 'a client certificate with subject CN=<name>, e.g. per host (repeatable)', collect, [])
    .option('--days <n>', 'validity of server and client certificates in days', '397')
    .option('--ca-name <name>', 'common name of a new CA', 'logship CA')
    .option('--renew', 'issue the server certificate and the named client certificates again')
    .action(
      async (opts: {
        out: string;
        serverName: string[];
        serverIp: string[];
        client: string[];
        days: string;
        caName: string;
        renew?: boolean;
      }) => {
        // Loaded here: the certificate library and its polyfill are needed by this command alone.
        const { initTls } = await import('./tls-init.js');
        const files = await initTls({
          out: resolve(opts.out),
          caName: opts.caName,
          serverNames: opts.serverName,
          serverIps: opts.serverIp,
          clients: opts.client,
          days: Number(opts.days),
          renew: Boolean(opts.renew),
        });
        for (const f of files) {
          process.stderr.write(`${f.action.padEnd(8)} ${f.path}${f.sha256 ? `  sha256 ${f.sha256}` : ''}\n`);
        }
      },
    );
  return tls;
}
