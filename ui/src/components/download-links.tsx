import type { Params } from '../api/client';

function exportUrl(filter: Params, format: 'csv' | 'ndjson'): string {
  const search = new URLSearchParams({ format, limit: 'max' });
  for (const [key, value] of Object.entries(filter)) {
    if (value === undefined || value === '') continue;
    for (const v of Array.isArray(value) ? value : [value]) search.append(key, String(v));
  }
  return `/api/v1/export?${search.toString()}`;
}

/**
 * "Download these results": every event of the current search, streamed by the collector's export as CSV (safe to
 * open in a spreadsheet) or NDJSON, up to the collector's export limit. The session cookie authorises the download.
 */
export function DownloadLinks({ filter }: { filter: Params }) {
  return (
    <span class="download" title="Download these results (every matching event)">
      download{' '}
      <a href={exportUrl(filter, 'csv')} download>
        CSV
      </a>{' '}
      <a href={exportUrl(filter, 'ndjson')} download>
        NDJSON
      </a>
    </span>
  );
}
