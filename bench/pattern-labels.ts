/**
 * Hand-assigned true groups of logship's own fixtures (test/fixtures), for the grouping benchmark: each message, as
 * the collector stores it, belongs to the first template it matches (`<*>` stands for any text). Loghub has no
 * database logs, so PostgreSQL and MariaDB/MySQL come from here, with web server and syslog files beside them.
 */
export interface LabelledFixture {
  name: string;
  file: string;
  format: 'postgres' | 'mysql' | 'nginx' | 'apache' | 'syslog';
  templates: string[];
}

export const LABELLED_FIXTURES: LabelledFixture[] = [
  {
    name: 'logship-postgres',
    file: 'postgres/postgresql.log',
    format: 'postgres',
    templates: [
      'INSERT INTO orders (id, customer_id, total) VALUES (<*>)',
      'Key (id)=(<*>) already exists.',
      'No function matches the given name and argument types. You might need to add explicit type casts.',
      'automatic vacuum of table "<*>": index scans: <*>',
      'autovacuum: processing database "<*>"',
      'canceling statement due to statement timeout',
      'checkpoint complete: wrote <*> buffers (<*>); <*> WAL file(s) added, <*> removed, <*> recycled; write=<*> s, sync=<*> s, total=<*> s',
      'connection authorized: user=<*> database=<*> application_name=<*>',
      'connection received: host=<*> port=<*>',
      'could not write to file "<*>": No space left on device',
      'duplicate key value violates unique constraint "<*>"',
      'duration: <*> ms  statement: <*>',
      'password authentication failed for user "<*>"',
      'terminating connection due to administrator command',
      'there is no transaction in progress',
    ],
  },
  {
    name: 'logship-mysql',
    file: 'mysql/error.log',
    format: 'mysql',
    templates: [
      '<*> (mysqld <*>) starting as process <*>',
      "Aborted connection <*> to db: '<*>' user: '<*>' host: '<*>' (Got an error reading communication packets).",
      "Aborted connection <*> to db: '<*>' user: '<*>' host: '<*>' (Got timeout reading communication packets)",
      'CA certificate <*> is self signed.',
      'InnoDB: Buffer pool(s) load completed at <*>',
      'Received SHUTDOWN from user <via user signal>. Shutting down mysqld (Version: <*>).',
      "Replica SQL for channel '<*>': Worker <*> failed executing transaction '<*>' at source log <*>, end_log_pos <*>; Error <*>",
      "Server socket created on IP: '<*>'.",
      'Unable to lock <*> error: <*>',
      "<*>: Table '<*>' is marked as crashed and should be repaired",
    ],
  },
  {
    name: 'logship-nginx-error',
    file: 'nginx/error.log',
    format: 'nginx',
    templates: [
      '<*> worker_connections are not enough while connecting to upstream, client: <*>',
      'SSL_do_handshake() failed (SSL: <*>) while SSL handshaking, client: <*>, server: <*>',
      'an upstream response is buffered to a temporary file <*> while reading upstream, client: <*>',
      'bind() to <*> failed (<*>: Address already in use)',
      'client closed connection while waiting for request, client: <*>, server: <*>',
      'conflicting server name "<*>" on <*>, ignored',
      'connect() failed (<*>: Connection refused) while connecting to upstream, client: <*>',
      'open() "<*>" failed (<*>: No such file or directory), client: <*>',
      'signal process started',
      'upstream timed out (<*>: Connection timed out) while reading response header from upstream, client: <*>',
      'using inherited sockets from "<*>"',
    ],
  },
  {
    name: 'logship-apache-error',
    file: 'apache/error.log',
    format: 'apache',
    templates: [
      '(<*>)Connection refused: AH00957: <*>: attempt to connect to <*> (<*>) failed',
      '(<*>)The timeout specified has expired: AH01102: error reading status line from remote server <*>',
      'Apache/<*> (<*>) OpenSSL/<*> configured -- resuming normal operations',
      "Command line: '<*>'",
      'File does not exist: <*>',
      'PHP Fatal error:  Uncaught Error: Call to undefined function <*>() in <*>',
      'Symbolic link not allowed or link target not accessible: <*>',
      '[<*>] file <*>, line <*>, assertion "<*>" failed',
      "[<*>][rid#<*>] applying pattern '<*>' to uri '<*>'",
      'client denied by server configuration: <*>',
      'mod_cgid.c(<*>): AH01259: cgid daemon process died, restarting',
      '<*> server certificate does NOT include an ID which matches the server name',
    ],
  },
  {
    name: 'logship-syslog',
    file: 'syslog/messages.log',
    format: 'syslog',
    templates: [
      '<*> : TTY=<*> ; PWD=<*> ; USER=<*> ; COMMAND=<*>',
      '(<*>) CMD (<*>)',
      '-- MARK --',
      'Accepted publickey for <*> from <*> port <*> ssh2: <*>',
      'DHCPACK of <*> from <*>',
      'Invalid user <*> from <*> port <*>',
      'Started session-<*>.scope - Session <*> of User <*>.',
      '[<*>] TCP: request_sock_TCP: Possible SYN flooding on port <*>. Sending cookies.',
      '[<*>] Out of memory: Killed process <*> (<*>) total-vm:<*>, anon-rss:<*>',
      '[origin software="rsyslogd" <*>] rsyslogd was HUPed',
      'connect from <*>',
      'error: kex_exchange_identification: Connection closed by remote host',
      '<*>.service: Deactivated successfully.',
    ],
  },
];

/** A template as an anchored regex: its text literally, `<*>` as any text. */
export function templateRegex(template: string): RegExp {
  const source = template
    .split('<*>')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*?');
  return new RegExp(`^${source}$`, 's');
}
