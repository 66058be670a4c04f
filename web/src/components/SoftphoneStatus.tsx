import type { ReactNode } from 'react';
import type { MicStatus } from '../softphone/microphone';
import type { RegStatus } from '../softphone/phone';

const LABEL: Record<RegStatus['kind'], string> = {
  registering: 'Registering',
  registered: 'Registered',
  failed: 'Not registered',
};

/** `children`: more of the softphone panel (where calls ring). */
export function SoftphoneStatus({ reg, mic, children }: { reg: RegStatus; mic: MicStatus; children?: ReactNode }) {
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
      {children}
    </section>
  );
}
