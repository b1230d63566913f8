import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The file a worker thread of the embedded store runs (`name`: `writer-worker` or `read-worker`). Compiled, it is
 * `<name>.js` next to this module. Jest runs the TypeScript sources in-process through swc, and a worker thread
 * cannot load a `.ts` file, so when this module is a source file the compiled worker in `dist/` is used
 * (`npm test` builds before jest runs). A missing build fails loudly here instead of as an obscure worker start-up
 * error.
 */
export function workerFile(name: 'writer-worker' | 'read-worker', here: string = import.meta.url): URL {
  if (!here.endsWith('.ts')) return new URL(`./${name}.js`, here);
  const compiled = new URL(`../../../dist/collector/store/embedded/${name}.js`, here);
  if (!existsSync(compiled)) {
    throw new Error(
      `The embedded store's ${name.replace('-', ' ')} thread runs compiled code, and ${fileURLToPath(compiled)} is missing: run \`npm run build\` first.`,
    );
  }
  return compiled;
}

/** The writer thread's file (see workerFile). */
export function writerWorkerFile(here: string = import.meta.url): URL {
  return workerFile('writer-worker', here);
}
