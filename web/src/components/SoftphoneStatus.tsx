import type { ReactNode } from 'react';
import type { MicStatus } from '../softphone/microphone';
import type { PhoneState, RegStatus } from '../softphone/phone';

const LINE_LABEL = { up: 'Line open: calls connect at once.', opening: 'Opening the line…', down: 'Line closed' };

const LABEL: Record<RegStatus['kind'], string> = {
  registering: 'Registering',
  registered: 'Registered',
  failed: 'Not registered',
};

/** `children`: more of the softphone panel (where calls ring). */
export function SoftphoneStatus({ reg, mic, line, children }: { reg: RegStatus; mic: MicStatus; line: PhoneState['line']; children?: ReactNode }) {
  return (
    <section className="panel softphone" aria-label="Softphone">
      <h2>Softphone</h2>
      <p data-testid="softphone-status" data-status={reg.kind} className={`reg reg-${reg.kind}`}>
        <span className="dot" aria-hidden="true" />
        <strong>{LABEL[reg.kind]}</strong>
        <span className="muted"> — {reg.message}</span>
      </p>
      <p data-testid="mic-status" data-status={mic.kind} className={mic.kind === 'denied' ? 'error' : 'muted'}>
        {mic.kind === 'asking' && 'Asking for microphone access…'}
        {mic.kind === 'granted' && 'Microphone ready.'}
        {mic.kind === 'denied' && mic.message}
      </p>
      {reg.kind === 'registered' && (
        <p data-testid="line-status" data-status={line.status} className="muted">
          {LINE_LABEL[line.status]}
          {line.status === 'down' && line.problem ? ` — ${line.problem}; calls ring the softphone meanwhile.` : ''}
        </p>
      )}
      {children}
    </section>
  );
}
