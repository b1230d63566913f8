import { useEffect, useState } from 'preact/hooks';
import { ApiError, apiGet } from '../api/client';
import type { HostRow } from '../api/types';
import { ClockOffset } from '../components/clock-offset';
import { hostColor } from '../components/palette';
import { formatTime } from '../time/time-format';
import { navigate, readViewState, viewSearch, DEFAULT_VIEW } from '../state/url-state';

/** Every shipper that ever sent: last seen, volume, silent hosts first. */
export function HostsPage() {
  const [hosts, setHosts] = useState<HostRow[] | undefined>();
  const [error, setError] = useState('');
  const tz = readViewState().tz;
  useEffect(() => {
    const load = () =>
      apiGet<HostRow[]>('/api/v1/hosts').then(
        (rows) =>
          setHosts(
            [...rows].sort((a, b) =>
              a.status === b.status ? a.host.localeCompare(b.host) : a.status === 'silent' ? -1 : 1,
            ),
          ),
        (err: unknown) => setError(err instanceof ApiError ? `${err.code}: ${err.message}` : String(err)),
      );
    void load();
    const timer = setInterval(load, 10_000);
    return () => clearInterval(timer);
  }, []);
  if (error) return <p class="error">{error}</p>;
  if (!hosts) return <p class="loading">Loading…</p>;
  return (
    <section class="hosts">
      <table>
        <thead>
          <tr>
            <th>host</th>
            <th>status</th>
            <th>last seen</th>
            <th>events (5 min)</th>
            <th>clock offset</th>
          </tr>
        </thead>
        <tbody>
          {hosts.map((h) => (
            <tr key={h.host} class={h.status}>
              <td>
                <button
                  type="button"
                  class="host"
                  onClick={() => navigate(`/${viewSearch({ ...DEFAULT_VIEW, tz, hosts: [h.host] })}`)}
                >
                  <span class="chip" style={{ background: hostColor(h.host) }} />
                  {h.host}
                </button>
              </td>
              <td class="status">{h.status}</td>
              <td>{h.last_seen ? formatTime(h.last_seen, tz) : '—'}</td>
              <td>{h.events_5m.toLocaleString()}</td>
              <td>
                <ClockOffset clock={h.clock} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
