import { Command, Option } from 'commander';
import { SCOPES, type Scope } from '../collector/auth/scopes.js';
import { createToken, readTokens, revokeToken } from '../collector/auth/token-store.js';

function dataDir(opts: { dataDir?: string }): string {
  return opts.dataDir ?? process.env.LOGSHIP_DATA_DIR ?? './data';
}

/** `logship token create|list|revoke`: secrets go to stdout alone (for scripts), messages to stderr. */
export function tokenCommand(): Command {
  const token = new Command('token').description('manage API tokens in the data directory (LOGSHIP_DATA_DIR)');
  const dataDirOption = () => new Option('--data-dir <dir>', 'data directory (default: $LOGSHIP_DATA_DIR or ./data)');
  token
    .command('create')
    .description('create a token and print its secret once')
    .addOption(new Option('--scope <scope>', 'what the token may do').choices(SCOPES).makeOptionMandatory())
    .requiredOption('--name <name>', 'a unique name to list and revoke it by')
    .option(
      '--bind-subject <identity>',
      'accept the token only with this verified client certificate (mutual TLS): CN=<name> or DNS:<name>',
    )
    .addOption(dataDirOption())
    .action((opts: { scope: Scope; name: string; bindSubject?: string; dataDir?: string }) => {
      const secret = createToken(dataDir(opts), opts.name, opts.scope, { bindSubject: opts.bindSubject });
      const bound = opts.bindSubject ? `, bound to client certificate ${opts.bindSubject},` : '';
      process.stderr.write(`Created ${opts.scope} token "${opts.name}"${bound}. The secret is shown only now:\n`);
      process.stdout.write(`${secret}\n`);
    });
  token
    .command('list')
    .description('list tokens: name, scope, created, certificate binding or - (secrets are never stored)')
    .addOption(dataDirOption())
    .action((opts: { dataDir?: string }) => {
      for (const t of readTokens(dataDir(opts))) {
        process.stdout.write(`${t.name}\t${t.scope}\t${t.created_at}\t${t.bind_subject ?? '-'}\n`);
      }
    });
  token
    .command('revoke')
    .description('revoke a token by name; a running collector refuses it within seconds')
    .argument('<name>')
    .addOption(dataDirOption())
    .action((name: string, opts: { dataDir?: string }) => {
      if (!revokeToken(dataDir(opts), name)) {
        process.stderr.write(`No token is named "${name}".\n`);
        process.exitCode = 1;
        return;
      }
      process.stderr.write(`Revoked token "${name}".\n`);
    });
  return token;
}
