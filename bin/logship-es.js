#!/usr/bin/env node
// `npm run es:start` / `es:stop`: a local single-node Elasticsearch for development and tests.
import('../dist/scripts/es-command.js').then((m) => m.main(process.argv.slice(2)));
