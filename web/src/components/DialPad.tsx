import { useState } from 'react';

/** Dial out through the tenant's trunk from the softphone. */
export function DialPad({ ready, onDial }: { ready: boolean; onDial(number: string): string | null }) {
  const [number, setNumber] = useState('');
  const [error, setError] = useState<string | null>(null);
  return (
    <section className="panel dial" aria-label="Dial out">
      <h2>Dial</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setError(onDial(number));
        }}
      >
        <input data-testid="dial-number" inputMode="tel" autoComplete="off" placeholder="+44 20 7946 0000"
          aria-label="Number to call" value={number} maxLength={40} onChange={(e) => setNumber(e.target.value)} />
        <button type="submit" className="primary" data-testid="dial-call" disabled={!ready || number.trim() === ''}>
          Call
        </button>
      </form>
      <p className="error small" role="alert">{error ?? '\u00a0'}</p>
    </section>
  );
}
