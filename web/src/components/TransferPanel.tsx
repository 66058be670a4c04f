import { useEffect, useRef, useState } from 'react';
import type { TransferMode, TransferTarget } from '../api/types';
import { useDirectory } from '../agent/useDirectory';
import { stateLabel } from '../states';

interface Props {
  busy: boolean;
  onTransfer(to: TransferTarget, mode: TransferMode): void;
  onClose(): void;
}

/** The number typed, without formatting, or null when it is not one. */
function cleanNumber(s: string): string | null {
  const n = s.replace(/[\s().-]/g, '');
  return /^\+?[0-9*#]{2,32}$/.test(n) ? n : null;
}

/** Blind and consult buttons of one target; `id` names them in data-testid. */
function Targets({ id, name, busy, consult, onPick }: {
  id: string;
  name: string;
  busy: boolean;
  consult: boolean;
  onPick(mode: TransferMode): void;
}) {
  return (
    <span className="transfer-buttons">
      <button type="button" data-testid={`transfer-blind-${id}`} disabled={busy} onClick={() => onPick('blind')}
        aria-label={`Transfer to ${name}`} title="Blind transfer: you leave the call now">Transfer</button>
      {consult && (
        <button type="button" data-testid={`transfer-consult-${id}`} disabled={busy} onClick={() => onPick('consult')}
          aria-label={`Consult ${name}`} title="Talk to them first; the caller hears music on hold">Consult</button>
      )}
    </span>
  );
}

/** Where to send the call: the tenant's other agents, its queues or a number. Escape closes it. */
export function TransferPanel({ busy, onTransfer, onClose }: Props) {
  const { directory, error } = useDirectory();
  const [filter, setFilter] = useState('');
  const [number, setNumber] = useState('');
  const filterRef = useRef<HTMLInputElement>(null);
  const closeRef = useRef(onClose);
  closeRef.current = onClose;

  useEffect(() => {
    filterRef.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape' || e.defaultPrevented) return;
      e.preventDefault();
      closeRef.current();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const f = filter.trim().toLowerCase();
  const has = (s: string | null | undefined) => (s ?? '').toLowerCase().includes(f);
  const agents = (directory?.agents ?? []).filter((a) => has(a.username) || has(a.display_name));
  const queues = (directory?.queues ?? []).filter((q) => has(q.name));
  const dialled = cleanNumber(number);

  return (
    <section className="transfer-panel" data-testid="transfer-panel" data-busy={busy} aria-label="Transfer the call">
      <div className="transfer-head">
        <h3>Transfer to</h3>
        <input ref={filterRef} data-testid="transfer-filter" type="text" autoComplete="off" value={filter}
          placeholder="Filter agents and queues" aria-label="Filter agents and queues"
          onChange={(e) => setFilter(e.target.value)} />
        <button type="button" data-testid="transfer-close" onClick={onClose} title="Close (Escape)">Close</button>
      </div>
      <div className="transfer-list" data-testid="transfer-directory" data-loaded={directory !== null}>
        {directory === null && <p className="muted small">Loading the directory…</p>}
        {directory !== null && agents.length + queues.length === 0 && (
          <p className="muted small">{f ? 'Nothing matches.' : 'No other agents or queues.'}</p>
        )}
        {agents.length > 0 && (
          <ul aria-label="Agents">
            {agents.map((a) => {
              const name = a.display_name || a.username;
              return (
                <li key={a.agent} className={a.state === 'available' ? 'transfer-row' : 'transfer-row away'}
                  data-testid={`transfer-agent-${a.username}`} data-username={a.username} data-state={a.state}>
                  <span className="who">
                    <strong>{a.username}</strong>
                    {name !== a.username && <span>{name}</span>}
                  </span>
                  <span className={`badge small state-${a.state}`}>{stateLabel(a.state, a.reason)}</span>
                  <Targets id={a.username} name={name} busy={busy} consult
                    onPick={(mode) => onTransfer({ agent: a.agent }, mode)} />
                </li>
              );
            })}
          </ul>
        )}
        {queues.length > 0 && (
          <ul aria-label="Queues">
            {queues.map((q) => (
              <li key={q.name} className="transfer-row" data-testid={`transfer-queue-${q.name}`}>
                <span className="who"><strong>Queue {q.name}</strong></span>
                <Targets id={`queue-${q.name}`} name={`queue ${q.name}`} busy={busy} consult={false}
                  onPick={(mode) => onTransfer({ queue: q.name }, mode)} />
              </li>
            ))}
          </ul>
        )}
      </div>
      <div className="transfer-row transfer-number">
        <input data-testid="transfer-number" inputMode="tel" autoComplete="off" placeholder="Or a number: +15550123"
          aria-label="Number to transfer to" value={number} maxLength={40} onChange={(e) => setNumber(e.target.value)} />
        <Targets id="number" name={dialled ?? 'the number'} busy={busy || dialled === null} consult
          onPick={(mode) => dialled && onTransfer({ number: dialled }, mode)} />
      </div>
      {error && <p className="error small" data-testid="transfer-directory-error">{error}</p>}
    </section>
  );
}
