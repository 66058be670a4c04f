import { useState } from 'react';

const DISPOSITIONS = [
  ['resolved', 'Resolved'],
  ['follow_up', 'Needs follow-up'],
  ['callback', 'Callback promised'],
  ['transferred', 'Transferred'],
  ['wrong_number', 'Wrong number'],
  ['other', 'Other'],
] as const;

interface Props {
  busy: boolean;
  error: string | null;
  /** What "Done" leads to, e.g. "Available". */
  doneLabel: string;
  onDone(disposition: string, notes: string): void;
}

export function WrapUpForm({ busy, error, doneLabel, onDone }: Props) {
  const [disposition, setDisposition] = useState('');
  const [notes, setNotes] = useState('');
  return (
    <section className="panel wrap-up" data-testid="wrap-up" aria-label="After-call work">
      <h2>After-call work</h2>
      <form onSubmit={(e) => { e.preventDefault(); onDone(disposition, notes); }}>
        <label>
          Disposition
          <select data-testid="wrap-disposition" value={disposition} onChange={(e) => setDisposition(e.target.value)}>
            <option value="">Choose…</option>
            {DISPOSITIONS.map(([v, l]) => <option key={v} value={v}>{l}</option>)}
          </select>
        </label>
        <label>
          Notes
          <textarea data-testid="wrap-notes" rows={4} maxLength={2000} value={notes}
            onChange={(e) => setNotes(e.target.value)} />
        </label>
        <p className="error small" role="alert">{error ?? '\u00a0'}</p>
        <button type="submit" className="primary" data-testid="wrap-done" disabled={busy}>
          Done — {doneLabel}
        </button>
      </form>
    </section>
  );
}
