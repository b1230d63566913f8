import type { EventDetail } from '../api/types';

/** Filter on a field's value of an event (`exclude` false), or leave it out of the results (true). */
export type ValueAction = (
  field: string,
  value: string | number | boolean,
  exclude: boolean,
  event: EventDetail,
) => void;

type BoundAction = (field: string, value: string | number | boolean, exclude: boolean) => void;

/** One value with its two actions; lists give each item its own. Objects are shown as JSON text, without actions. */
export function FieldValue({ field, value, onValue }: { field: string; value: unknown; onValue: BoundAction }) {
  if (Array.isArray(value) && value.every((v) => typeof v !== 'object' || v === null)) {
    return (
      <>
        {value.map((v, i) => (
          <FieldValue key={i} field={field} value={v} onValue={onValue} />
        ))}
      </>
    );
  }
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
    return <span class="value mono">{JSON.stringify(value)}</span>;
  }
  return (
    <span class="value">
      <button
        type="button"
        class="value-filter"
        title={`Filter on ${field} = ${String(value)}`}
        onClick={() => onValue(field, value, false)}
      >
        {String(value)}
      </button>
      <button
        type="button"
        class="value-exclude"
        title={`Leave out ${field} = ${String(value)}`}
        onClick={() => onValue(field, value, true)}
      >
        −
      </button>
    </span>
  );
}
