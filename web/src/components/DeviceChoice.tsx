import { useEffect, useRef, useState } from 'react';
import type { DeviceHook } from '../agent/useDevice';

/**
 * Where calls ring: this browser's softphone, the agent's desk phone (a SIP phone registered
 * with their SIP credentials; answered on it or from here), or the agent's own phone number (the
 * server dials it for each offer; the agent presses 1 to accept). Locked while a call is going on.
 */
export function DeviceChoice({ d, locked }: { d: DeviceHook; locked: boolean }) {
  const { device } = d;
  const [number, setNumber] = useState('');
  // "My phone" picked and not applied yet.
  const [picking, setPicking] = useState(false);
  const numberInput = useRef<HTMLInputElement>(null);
  const stored = device?.kind === 'pstn' ? device.number : null;
  useEffect(() => {
    if (stored) setNumber((n) => n || stored);
  }, [stored]);
  useEffect(() => {
    if (device) setPicking(false);
  }, [device]);

  const pstn = picking || device?.kind === 'pstn';
  const disabled = locked || d.busy || device === null;
  return (
    <fieldset className="device" disabled={disabled} data-testid="device-choice" data-busy={d.busy}
      title={locked ? 'Finish the call first' : undefined}>
      <legend>Calls ring</legend>
      <label>
        <input type="radio" name="device" data-testid="device-softphone"
          checked={device?.kind === 'softphone' && !pstn}
          onChange={() => {
            setPicking(false);
            if (device?.kind !== 'softphone') d.choose({ kind: 'softphone' });
          }} />
        This browser
      </label>
      <label>
        <input type="radio" name="device" data-testid="device-desk" checked={device?.kind === 'desk' && !pstn}
          onChange={() => {
            setPicking(false);
            if (device?.kind !== 'desk') d.choose({ kind: 'desk' });
          }} />
        My desk phone
      </label>
      <form className="device-pstn"
        onSubmit={(e) => {
          e.preventDefault();
          if (number.trim()) d.choose({ kind: 'pstn', number: number.trim() });
        }}>
        <label>
          <input type="radio" name="device" checked={pstn}
            onChange={() => {
              setPicking(true);
              numberInput.current?.focus();
            }} />
          My phone
        </label>
        <input ref={numberInput} data-testid="device-pstn-number" inputMode="tel" autoComplete="tel"
          placeholder="+44 7700 900123" aria-label="My phone number" value={number} maxLength={40}
          onFocus={() => setPicking(true)} onChange={(e) => setNumber(e.target.value)} />
        <button type="submit" data-testid="device-pstn-use" disabled={number.trim() === ''}>Use</button>
      </form>
      <p className="muted small" data-testid="device-status" data-kind={device?.kind} data-number={stored ?? ''}>
        {device === null && 'Checking where calls ring…'}
        {device?.kind === 'softphone' && 'Calls ring this browser.'}
        {device?.kind === 'desk' && 'Calls ring your desk phone (registered with your SIP password).'}
        {stored && <>Calls ring <strong>{stored}</strong>: answer and press 1 to accept.</>}
      </p>
      <p className="error small" role="alert" data-testid="device-error" data-attempts={d.attempts}>
        {d.error ?? '\u00a0'}
      </p>
    </fieldset>
  );
}
