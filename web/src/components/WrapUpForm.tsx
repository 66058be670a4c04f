import { useState } from 'react';
import { formatDuration, useNow } from '../time';

/** Offered when the call's queue lists no codes of its own. */
const DEFAULT_CODES = ['resolved', 'follow_up', 'callback', 'transferred', 'wrong_number', 'other'];

const LABELS: Record<string, string> = {
  resolved: 'Resolved',
  follow_up: 'Needs follow-up',
  callback: 'Callback promised',
  transferred: 'Transferred',
  wrong_number: 'Wrong number',
  other: 'Other',
};

/** `follow_up` → `Follow up` for codes without a label. */
function labelOf(code: string): string {
  const text = code.replace(/[_-]+/g, ' ');
  return LABELS[code] ?? text.charAt(0).toUpperCase() + text.slice(1);
}

interface Props {
  busy: boolean;
  error: string | null;
  /** What "Done" leads to, e.g. "Available". */
  doneLabel: string;
  /** The call's queue's codes (empty: the defaults) and whether one must be chosen. */
  codes: string[];
  required: boolean;
  /** When the queue's after-call work time is up (ms, server clock), if it has a limit. */
  endsAt: number | null;
  onDone(disposition: string, notes: string): void;
}

/** Time left for after-call work; the server makes the agent ready when it is up. */
function Countdown({ endsAt }: { endsAt: number }) {
  const now = useNow();
  const left = endsAt - now;
  return (
    <p className={left < 10000 ? 'countdown urgent' : 'countdown'} data-testid="wrap-countdown" role="timer"
      aria-live="off" data-left-secs={Math.max(0, Math.ceil(left / 1000))}>
      Time left: <strong>{formatDuration(left)}</strong>
    </p>
  );
}

export function WrapUpForm({ busy, error, doneLabel, codes, required, endsAt, onDone }: Props) {
  const offered = codes.length > 0 ? codes : DEFAULT_CODES;
  const [disposition, setDisposition] = useState('');
  const [notes, setNotes] = useState('');
  return (
    <section className="panel wrap-up" data-testid="wrap-up" aria-label="After-call work">
      <h2>After-call work</h2>
      {endsAt !== null && <Countdown endsAt={endsAt} />}
      <form onSubmit={(e) => { e.preventDefault(); onDone(disposition, notes); }}>
        <label>
          Disposition
          <select data-testid="wrap-disposition" value={disposition} onChange={(e) => setDisposition(e.target.value)}>
            <option value="">{required ? 'Choose… (required)' : 'Choose…'}</option>
            {offered.map((v) => <option key={v} value={v}>{labelOf(v)}</option>)}
          </select>
        </label>
        <label>
          Notes
          <textarea data-testid="wrap-notes" rows={4} maxLength={2000} value={notes}
            onChange={(e) => setNotes(e.target.value)} />
        </label>
        <p className="error small" role="alert">{error ?? '\u00a0'}</p>
        <button type="submit" className="primary" data-testid="wrap-done" disabled={busy || (required && disposition === '')}>
          Done — {doneLabel}
        </button>
      </form>
    </section>
  );
}
