import { useState } from 'react';

const RECENT_KEY = 'switchboard.recentNumbers';
const RECENT_MAX = 8;

function loadRecent(): string[] {
  try {
    const v: unknown = JSON.parse(window.localStorage.getItem(RECENT_KEY) ?? '[]');
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string').slice(0, RECENT_MAX) : [];
  } catch {
    return [];
  }
}

/** `number` first, without repeats, at most RECENT_MAX; kept in this browser. */
function remember(number: string, recent: string[]): string[] {
  const next = [number, ...recent.filter((n) => n !== number)].slice(0, RECENT_MAX);
  try {
    window.localStorage.setItem(RECENT_KEY, JSON.stringify(next));
  } catch {
    // Storage refused (private mode): the list lasts for this page only.
  }
  return next;
}

/** Dial out through the tenant's trunk from the softphone, with the numbers dialled lately. */
export function DialPad({ ready, onDial }: { ready: boolean; onDial(number: string): string | null }) {
  const [number, setNumber] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [recent, setRecent] = useState<string[]>(loadRecent);
  const dial = (n: string) => {
    const problem = onDial(n);
    setError(problem);
    // Stored now: a call unmounts this pad before a state update would run.
    if (problem === null) setRecent(remember(n.trim(), recent));
  };
  return (
    <section className="panel dial" aria-label="Dial out">
      <h2>Dial</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          dial(number);
        }}
      >
        <input data-testid="dial-number" inputMode="tel" autoComplete="off" placeholder="+44 20 7946 0000"
          aria-label="Number to call" value={number} maxLength={40} onChange={(e) => setNumber(e.target.value)} />
        <button type="submit" className="primary" data-testid="dial-call" disabled={!ready || number.trim() === ''}>
          Call
        </button>
      </form>
      <p className="error small" role="alert">{error ?? '\u00a0'}</p>
      {recent.length > 0 && (
        <ul className="recent" aria-label="Recent numbers" data-testid="dial-recent">
          {recent.map((n) => (
            <li key={n}>
              <button type="button" className="link" disabled={!ready} onClick={() => dial(n)} title={`Call ${n}`}>
                {n}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
