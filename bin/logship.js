#!/usr/bin/env node
// Thin launcher: the CLI lives in TypeScript and is compiled to dist/ by `npm install` (prepare).
import('../dist/cli/main.js').then((m) => m.main(process.argv.slice(2)));
