import type { MicStatus } from '../softphone/microphone';
import type { RegStatus } from '../softphone/phone';

const LABEL: Record<RegStatus['kind'], string> = {
  registering: 'Registering',
  registered: 'Registered',
  failed: 'Not registered',
};

export function SoftphoneStatus({ reg, mic }: { reg: RegStatus; mic: MicStatus }) {
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
    </section>
  );
}
