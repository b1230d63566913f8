import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef } from 'preact/hooks';
import type { Hit } from '../api/types';
import { HitRow, type HitRowProps } from './hit-row';

interface Props extends Omit<HitRowProps, 'hit' | 'selected'> {
  hits: Hit[];
  hasMore: boolean;
  onMore: () => void;
  selected: number;
  /** Called with true when the user scrolled away from the top (live tail pauses then). */
  onScrolledAway?: (away: boolean) => void;
}

/**
 * A virtualized list: only the rows on screen exist in the DOM, so 10,000+ results stay smooth. Reaching the end
 * asks for the next page.
 */
export function ResultList({ hits, hasMore, onMore, selected, onScrolledAway, ...row }: Props) {
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: hits.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => 24,
    overscan: 10,
    getItemKey: (i) => hits[i]!.id,
  });
  const items = virtualizer.getVirtualItems();
  const last = items.at(-1);
  useEffect(() => {
    if (hasMore && last && last.index >= hits.length - 50) onMore();
  }, [last?.index, hits.length, hasMore]);
  useEffect(() => {
    if (selected >= 0) virtualizer.scrollToIndex(selected, { align: 'auto' });
  }, [selected]);
  return (
    <div class="results" ref={scroller} onScroll={(e) => onScrolledAway?.(e.currentTarget.scrollTop > 40)}>
      <div class="results-inner" style={{ height: `${virtualizer.getTotalSize()}px` }}>
        {items.map((item) => (
          <div
            key={item.key}
            class="row"
            data-index={item.index}
            ref={virtualizer.measureElement}
            style={{ transform: `translateY(${item.start}px)` }}
          >
            <HitRow hit={hits[item.index]!} selected={item.index === selected} {...row} />
          </div>
        ))}
      </div>
    </div>
  );
}
