import { EventDetails } from '../components/event-details';
import { fieldClause } from '../query/query-clauses';
import { DEFAULT_VIEW, navigate, readViewState, searchAround, viewSearch } from '../state/url-state';

/** What a link to one event opens: its details on a page of their own. */
export function EventPage({ id }: { id: string }) {
  const { tz } = readViewState();
  return (
    <section class="event-page">
      <div class="toolbar">
        <button type="button" onClick={() => navigate(`/${viewSearch({ ...DEFAULT_VIEW, tz })}`)}>
          ← Search
        </button>
      </div>
      <EventDetails
        id={id}
        tz={tz}
        onValue={(field, value, exclude, event) =>
          navigate(searchAround(event.timestamp, fieldClause(field, value, exclude), tz))
        }
        onContext={(eventId) =>
          navigate(`/context/${encodeURIComponent(eventId)}${viewSearch({ ...DEFAULT_VIEW, tz })}`)
        }
      />
    </section>
  );
}
