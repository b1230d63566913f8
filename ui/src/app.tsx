import { useEffect, useState } from 'preact/hooks';
import { apiGet, apiSend } from './api/client';
import type { SessionState } from './api/types';
import { SHORTCUTS } from './components/keyboard';
import { AlertsPage } from './pages/alerts-page';
import { ContextPage } from './pages/context-page';
import { HostsPage } from './pages/hosts-page';
import { LoginPage } from './pages/login-page';
import { SearchPage } from './pages/search-page';
import { navigate, useLocation } from './state/url-state';

/** Signs in first, then routes by path: `/` search, `/context/:id` around an event, `/hosts`, `/alerts`. */
export function App() {
  const [session, setSession] = useState<SessionState | undefined>();
  const [help, setHelp] = useState(false);
  const location = useLocation();
  useEffect(() => {
    apiGet<SessionState>('/api/v1/session').then(setSession, () => setSession({ signed_in: false }));
  }, []);
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
  if (!session.signed_in) return <LoginPage onSignedIn={() => window.location.assign('/')} />;
  const path = location.pathname;
  const contextId = /^\/context\/(.+)$/.exec(path)?.[1];
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
