import { useState } from 'preact/hooks';
import { ApiError, apiSend } from '../api/client';

/** Exchanges a read token for a session cookie; the token is never stored in the browser. */
export function LoginPage({ onSignedIn }: { onSignedIn: () => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState('');
  const expired = new URLSearchParams(window.location.search).has('expired');
  const submit = async (e: Event) => {
    e.preventDefault();
    setError('');
    try {
      await apiSend('POST', '/api/v1/session', { token: token.trim() });
      onSignedIn();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'The collector did not answer.');
    }
  };
  return (
    <main class="login">
      <h1>logship</h1>
      <form onSubmit={submit}>
        <label for="token">Read token</label>
        <input
          id="token"
          type="password"
          autocomplete="off"
          value={token}
          onInput={(e) => setToken(e.currentTarget.value)}
        />
        <button type="submit" disabled={!token.trim()}>
          Sign in
        </button>
        {expired && !error && <p class="error">That login link was used or has expired; sign in with a token.</p>}
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
      </form>
    </main>
  );
}
