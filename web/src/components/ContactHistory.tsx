// The contact's history beside the call: their earlier interactions with the agent who handled
// each, the disposition and the notes; when no call is going on, any number can be looked up,
// and the contact called back from here.
import { useState } from 'react';
import { useHistory } from '../agent/useHistory';
import type { HistoryEntry } from '../api/types';

function when(ms: number): string {
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

function Entry({ e }: { e: HistoryEntry }) {
  return (
    <li className="history-entry" data-testid="history-entry" data-disposition={e.disposition ?? ''}>
      <div className="history-line">
        <span>{e.direction === 'outbound' ? '↗' : '↙'} {when(e.started_at)}</span>
        {e.disposition && <span className="chip">{e.disposition}</span>}
      </div>
      <div className="muted small">
        {[e.queue && `queue ${e.queue}`, e.agent_username && `agent ${e.agent_username}`, e.outcome]
          .filter(Boolean).join(' · ')}
      </div>
      {e.notes && <p className="history-notes" data-testid="history-notes">{e.notes}</p>}
    </li>
  );
}

interface Props {
  /** The current (or last) call's contact; null shows the look-up box. */
  contact: string | null;
  /** The current call, left out of its own history. */
  currentId: string | null;
  /** Changes when the history may have grown (a wrap-up was saved). */
  refresh: unknown;
  /** Call the contact back; an error says why not. Null while a call is going on. */
  onDial: ((number: string) => string | null) | null;
}

export function ContactHistory({ contact, currentId, refresh, onDial }: Props) {
  const [typed, setTyped] = useState('');
  const [searched, setSearched] = useState<string | null>(null);
  const [dialError, setDialError] = useState<string | null>(null);
  const shown = contact ?? searched;
  const history = useHistory(shown, refresh);
  const ready = history.contact === shown && !history.loading;
  const entries = history.contact === shown ? history.entries.filter((e) => e.id !== currentId) : [];
  return (
    <section className="panel history" aria-label="Contact history" data-testid="contact-history"
      data-contact={shown ?? ''} data-loading={!ready}>
      <h2>Contact history</h2>
      {contact === null && (
        <form onSubmit={(e) => { e.preventDefault(); setSearched(typed.trim() || null); }}>
          <input data-testid="history-search" inputMode="tel" autoComplete="off" placeholder="Look up a number"
            aria-label="Number to look up" value={typed} maxLength={64} onChange={(e) => setTyped(e.target.value)} />
          <button type="submit" data-testid="history-look-up" disabled={typed.trim() === ''}>Look up</button>
        </form>
      )}
      {shown && <p className="muted small">{shown}</p>}
      {history.error && <p className="error small" role="alert">{history.error}</p>}
      {shown && ready && !history.error && entries.length === 0 && (
        <p className="muted" data-testid="history-empty">No earlier interactions.</p>
      )}
      {entries.length > 0 && <ul className="history-list">{entries.map((e) => <Entry key={e.id} e={e} />)}</ul>}
      {shown && onDial && (
        <>
          <button type="button" data-testid="history-call" onClick={() => setDialError(onDial(shown))}
            title={`Call ${shown} through the trunk`}>Call back {shown}</button>
          <p className="error small" role="alert">{dialError ?? '\u00a0'}</p>
        </>
      )}
    </section>
  );
}
