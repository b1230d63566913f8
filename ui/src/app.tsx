import { useEffect, useState } from 'preact/hooks';
import { apiGet, apiSend } from './api/client';
import type { HostRow, SessionState } from './api/types';
import { SHORTCUTS } from './components/keyboard';
import { hostPalette, usePaletteVersion } from './components/palette';
import { AlertsPage } from './pages/alerts-page';
import { ContextPage } from './pages/context-page';
import { EventPage } from './pages/event-page';
import { HostsPage } from './pages/hosts-page';
import { LoginPage } from './pages/login-page';
import { SearchPage } from './pages/search-page';
import { navigate, useLocation } from './state/url-state';

/** After signing in, the page that was asked for: a shared link survives the sign-in; the login page itself does not. */
function afterSignIn(): void {
  window.location.assign(window.location.pathname === '/login' ? '/' : window.location.href);
}

/**
 * Signs in first, then routes by path: `/` search, `/context/:id` around an event, `/events/:id` one event, `/hosts`,
 * `/alerts`.
 */
export function App() {
  const [session, setSession] = useState<SessionState | undefined>();
  const [help, setHelp] = useState(false);
  const location = useLocation();
  // A new palette re-renders every page, so rows, lanes and the hosts list take the seeded colours.
  usePaletteVersion();
  useEffect(() => {
    apiGet<SessionState>('/api/v1/session').then(setSession, () => setSession({ signed_in: false }));
  }, []);
  // Every host known, in one order, so each keeps one colour in every view and no two share one.
  useEffect(() => {
    if (session?.signed_in)
      apiGet<HostRow[]>('/api/v1/hosts').then(
        (rows) => hostPalette.seed(rows.map((r) => r.host)),
        () => undefined,
      );
  }, [session?.signed_in]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const tag = (e.target as HTMLElement | null)?.tagName;
      if (e.key === '?' && tag !== 'INPUT' && tag !== 'SELECT') setHelp((h) => !h);
      if (e.key === 'Escape') setHelp(false);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  if (!session) return <p class="loading">Loading…</p>;
  if (!session.signed_in) return <LoginPage onSignedIn={afterSignIn} />;
  const path = location.pathname;
  const contextId = /^\/context\/(.+)$/.exec(path)?.[1];
  const eventId = /^\/events\/(.+)$/.exec(path)?.[1];
  const signOut = async () => {
    await apiSend('DELETE', '/api/v1/session');
    window.location.assign('/');
  };
  return (
    <main class="app">
      <nav>
        <strong>logship</strong>
        <a
          href="/"
          aria-current={path === '/' ? 'page' : undefined}
          onClick={(e) => (e.preventDefault(), navigate('/'))}
        >
          Search
        </a>
        <a
          href="/hosts"
          aria-current={path === '/hosts' ? 'page' : undefined}
          onClick={(e) => (e.preventDefault(), navigate('/hosts'))}
        >
          Hosts
        </a>
        <a
          href="/alerts"
          aria-current={path === '/alerts' ? 'page' : undefined}
          onClick={(e) => (e.preventDefault(), navigate('/alerts'))}
        >
          Alerts
        </a>
        <span class="spacer" />
        <button type="button" class="help-button" onClick={() => setHelp(!help)} title="Keyboard shortcuts (?)">
          ?
        </button>
        <span class="user">{session.name}</span>
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      </nav>
      {contextId ? (
        <ContextPage id={decodeURIComponent(contextId)} />
      ) : eventId ? (
        <EventPage id={decodeURIComponent(eventId)} />
      ) : path === '/hosts' ? (
        <HostsPage />
      ) : path === '/alerts' ? (
        <AlertsPage canEdit={session.scope === 'admin'} />
      ) : (
        <SearchPage />
      )}
      {help && (
        <div class="help" role="dialog" aria-label="Keyboard shortcuts">
          <table>
            <tbody>
              {SHORTCUTS.map(([key, what]) => (
                <tr key={key}>
                  <th>{key}</th>
                  <td>{what}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </main>
  );
}
