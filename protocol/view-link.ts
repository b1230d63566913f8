/** What the UI's search page shows: the parameters it reads from its URL (ui/src/state/url-state.ts). */
export interface SearchView {
  q: string;
  from: string;
  to: string;
  hosts: readonly string[];
}

/**
 * The address of the UI's search page showing `view`, under the UI's base URL (`https://logs.example.com`, or one
 * with a path when a proxy serves the UI below one). Notifications link to the events that made an alert change.
 */
export function searchViewLink(baseUrl: string, view: SearchView): string {
  const url = new URL(baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  if (view.q) url.searchParams.set('q', view.q);
  url.searchParams.set('from', view.from);
  url.searchParams.set('to', view.to);
  for (const host of view.hosts) url.searchParams.append('host', host);
  return url.toString();
}
