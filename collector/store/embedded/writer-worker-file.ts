import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The file the writer thread runs. Compiled, it is `writer-worker.js` next to this module. Jest runs the
 * TypeScript sources in-process through swc, and a worker thread cannot load a `.ts` file, so when this module is
 * a source file the compiled worker in `dist/` is used (`npm test` builds before jest runs). A missing build fails
 * loudly here instead of as an obscure worker start-up error.
 */
export function writerWorkerFile(here: string = import.meta.url): URL {
  if (!here.endsWith('.ts')) return new URL('./writer-worker.js', here);
  const compiled = new URL('../../../dist/collector/store/embedded/writer-worker.js', here);
  if (!existsSync(compiled)) {
    throw new Error(
      `The embedded store's writer thread runs compiled code, and ${fileURLToPath(compiled)} is missing: run \`npm run build\` first.`,
    );
  }
  return compiled;
}
