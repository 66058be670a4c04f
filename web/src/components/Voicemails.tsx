// Voicemail messages left in the agent's queues: who called, for which queue, when and how long;
// the message plays in place, the caller can be called back, and "Done" takes it off everyone's
// list. Messages the agent accepted as an offer come first, marked as theirs.
import { useState } from 'react';
import { useVoicemails } from '../agent/useVoicemails';
import type { Voicemail } from '../api/types';
import { formatDuration } from '../time';

function when(ms: number): string {
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

interface ItemProps {
  m: Voicemail;
  /** The agent took it from an offer: it is their work until Done. */
  mine: boolean;
  onDial: ((number: string) => string | null) | null;
  onDone: (id: string) => Promise<string | null>;
}

function Item({ m, mine, onDial, onDone }: ItemProps) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const caller = m.caller || 'Withheld number';
  return (
    <li className={mine ? 'voicemail mine' : 'voicemail'} data-testid="voicemail" data-id={m.id}
      data-caller={m.caller} data-mailbox={m.mailbox} data-mine={mine}>
      <div className="history-line">
        <span>{caller}</span>
        <span className="chip">{m.mailbox}</span>
        {mine && <span className="chip mine" data-testid="voicemail-mine">Yours</span>}
      </div>
      <div className="muted small">{when(m.received_at)} · {formatDuration(m.duration_ms)}</div>
      <audio data-testid="voicemail-audio" controls preload="metadata" src={m.audio}
        aria-label={`Message from ${caller}`} />
      <div className="voicemail-actions">
        {m.caller && onDial && (
          <button type="button" data-testid="voicemail-call" onClick={() => setError(onDial(m.caller))}>
            Call back
          </button>
        )}
        <button type="button" data-testid="voicemail-done" disabled={busy}
          onClick={() => {
            setBusy(true);
            void onDone(m.id).then((e) => {
              setError(e);
              setBusy(false);
            });
          }}>Done</button>
      </div>
      {error && <p className="error small" role="alert">{error}</p>}
    </li>
  );
}

interface Props {
  /** Changes when new messages may have arrived (the agent's state changed). */
  refresh: unknown;
  /** Ids of the messages the agent accepted as offers. */
  held: string[];
  /** Call a number back; an error says why not. Null while a call is going on. */
  onDial: ((number: string) => string | null) | null;
}

export function Voicemails({ refresh, held, onDial }: Props) {
  const vm = useVoicemails(`${String(refresh)}|${held.join(',')}`);
  const mine = (m: Voicemail) => held.includes(m.id);
  const ordered = [...vm.messages.filter(mine), ...vm.messages.filter((m) => !mine(m))];
  return (
    <section className="panel voicemails" aria-label="Voicemail" data-testid="voicemails"
      data-loading={!vm.loaded} data-count={vm.messages.length}>
      <h2>Voicemail{vm.messages.length > 0 && <span className="chip">{vm.messages.length}</span>}</h2>
      {vm.error && <p className="error small" role="alert">{vm.error}</p>}
      {vm.loaded && !vm.error && vm.messages.length === 0 && <p className="muted">No new messages.</p>}
      {vm.messages.length > 0 && (
        <ul className="history-list">
          {ordered.map((m) => <Item key={m.id} m={m} mine={mine(m)} onDial={onDial} onDone={vm.close} />)}
        </ul>
      )}
    </section>
  );
}
