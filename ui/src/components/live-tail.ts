import { useEffect, useRef, useState } from 'preact/hooks';
import type { Hit } from '../api/types';

/**
 * Live tail over Server-Sent Events. While `paused` (the user scrolled away from the newest rows), new events are held
 * and counted instead of moving the list under the reader; `release` shows them.
 */
export function useLiveTail(enabled: boolean, query: string, paused: boolean, onEvents: (hits: Hit[]) => void) {
  const held = useRef<Hit[]>([]);
  const [heldCount, setHeldCount] = useState(0);
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  // The latest callback, read when events arrive: the one the stream was opened with sees old state.
  const deliver = useRef(onEvents);
  deliver.current = onEvents;
  useEffect(() => {
    if (!enabled) return;
    const source = new EventSource(`/api/v1/tail${query}`);
    let pending: Hit[] = [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    // Events arrive one by one; delivering them in small groups keeps rendering cheap under a burst.
    const flush = () => {
      timer = undefined;
      const batch = pending;
      pending = [];
      if (pausedRef.current) {
        held.current.push(...batch);
        setHeldCount(held.current.length);
      } else deliver.current(batch);
    };
    source.onmessage = (e: MessageEvent<string>) => {
      pending.push(JSON.parse(e.data) as Hit);
      timer ??= setTimeout(flush, 100);
    };
    return () => {
      source.close();
      if (timer) clearTimeout(timer);
      held.current = [];
      setHeldCount(0);
    };
  }, [enabled, query]);
  const release = () => {
    const batch = held.current;
    held.current = [];
    setHeldCount(0);
    if (batch.length) deliver.current(batch);
  };
  return { heldCount, release };
}
