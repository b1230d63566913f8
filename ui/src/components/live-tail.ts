import { useEffect, useRef, useState } from 'preact/hooks';
import type { Hit } from '../api/types';

/**
 * Live tail over Server-Sent Events (`/api/v1/tail`). While `paused` (the user scrolled away), new events are held
 * and counted instead of shown, so the list never jumps under the reader.
 */
export function useLiveTail(enabled: boolean, query: string, paused: boolean, onEvents: (hits: Hit[]) => void) {
  const held = useRef<Hit[]>([]);
  const [heldCount, setHeldCount] = useState(0);
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
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
      } else onEvents(batch);
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
    if (batch.length) onEvents(batch);
  };
  return { heldCount, release };
}
