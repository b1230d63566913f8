import { useEffect, useRef } from 'preact/hooks';

/** Single-key shortcuts (j/k, /, e, c, t, ?), ignored while typing in a field. */
export function useKeyboard(handlers: Record<string, () => void>) {
  // The latest handlers, read at key time: keys pressed faster than a re-render must not see stale state.
  const latest = useRef(handlers);
  latest.current = handlers;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement | null;
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      if (target && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA' || target.tagName === 'SELECT')) {
        if (e.key === 'Escape') target.blur();
        return;
      }
      // Enter on a focused button or link is that control's own click.
      if (e.key === 'Enter' && target?.closest('button, a')) return;
      const handler = latest.current[e.key];
      if (handler) {
        e.preventDefault();
        handler();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}

export const SHORTCUTS: [string, string][] = [
  ['j / k', 'next / previous event'],
  ['/', 'search'],
  ['e', 'next error'],
  ['c', 'around the selected event, on every server'],
  ['o / Enter', 'details of the selected event'],
  ['Esc', 'close the details'],
  ['t', 'live tail on / off'],
  ['?', 'this help'],
];
