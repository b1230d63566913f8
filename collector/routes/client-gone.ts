import type { Response } from 'express';

/**
 * Aborted when the connection closes before the answer was sent: the user moved on (the UI cancels a page's
 * requests when the query changes) or the client gave up. Handed to the store so it stops the read, and a costly
 * query nobody waits for no longer holds a read thread from the next one.
 */
export function clientGone(res: Response): AbortSignal {
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  return controller.signal;
}
