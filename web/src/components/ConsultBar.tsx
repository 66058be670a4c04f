import type { ConsultView, TransferAction } from '../api/types';

const STATE_TEXT: Record<ConsultView['state'], string> = {
  ringing: 'ringing',
  talking: 'talking',
  conference: 'in conference',
};

/** The call's agent's consultation: its state and the steps that follow it. */
export function ConsultBar({ consult, busy, onAction }: {
  consult: ConsultView;
  busy: boolean;
  onAction(a: TransferAction): void;
}) {
  const { state, to } = consult;
  return (
    <section className="consult-bar" data-testid="consult-bar" data-state={state} data-role="agent"
      aria-label="Consultation" aria-live="polite">
      <p>
        <strong>Consulting {to}</strong> — <span data-testid="consult-state">{STATE_TEXT[state]}</span>
      </p>
      <p className="muted small">
        {state === 'conference' ? 'The caller, you and ' + to + ' hear each other.' : 'The caller hears music on hold.'}
      </p>
      <div className="consult-actions">
        <button type="button" className="primary" data-testid="consult-complete"
          disabled={busy || state === 'ringing'} onClick={() => onAction('transfer_complete')}
          title={`You leave; the caller stays with ${to}`}>Complete transfer</button>
        <button type="button" data-testid="consult-conference" disabled={busy || state !== 'talking'}
          onClick={() => onAction('conference')} title="The caller joins you both">Conference</button>
        <button type="button" data-testid="consult-cancel" disabled={busy} onClick={() => onAction('transfer_cancel')}
          title={`${to} is dropped; you are back with the caller`}>
          {state === 'ringing' ? 'Cancel' : 'Back to caller'}
        </button>
      </div>
    </section>
  );
}

/** What a consulted agent sees until the transfer is completed to them. */
export function ConsulteeBar({ consult }: { consult: ConsultView }) {
  return (
    <section className="consult-bar" data-testid="consult-bar" data-state={consult.state} data-role="consultee"
      aria-label="Consultation" aria-live="polite">
      <p><strong>Consultation</strong> — <span data-testid="consult-state">{STATE_TEXT[consult.state]}</span></p>
      <p className="muted small">
        {consult.state === 'conference'
          ? 'The caller and the agent who consulted you hear you.'
          : 'An agent is consulting you; the caller is on hold and cannot hear you.'}
      </p>
      <p className="muted small">Hang up leaves the consultation only. If the agent completes the transfer, the call becomes yours.</p>
    </section>
  );
}
