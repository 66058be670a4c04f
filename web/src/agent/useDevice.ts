// Where the agent's calls ring (`GET`/`PUT /me/device`): read on mount and again when the console
// link comes back (a server restart forgets the choice), changed by the agent. A device that
// cannot be read counts as the softphone, the server's default.
import { useCallback, useEffect, useRef, useState } from 'react';
import { describe, myDevice, setMyDevice } from '../api/client';
import type { Device } from '../api/types';
import type { LinkStatus } from '../console/socket';

export interface DeviceHook {
  /** Null until the first answer. */
  device: Device | null;
  busy: boolean;
  error: string | null;
  /** Finished changes, so that a test can tell a new answer from the previous one. */
  attempts: number;
  choose(device: Device): void;
}

export function useDevice(link: LinkStatus): DeviceHook {
  const [device, setDevice] = useState<Device | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [attempts, setAttempts] = useState(0);
  // Only the latest request's answer counts (a re-read may cross a change).
  const seq = useRef(0);

  const load = useCallback(() => {
    const n = ++seq.current;
    myDevice().then(
      (d) => {
        if (n !== seq.current) return;
        setDevice(d);
        setError(null);
      },
      (e) => {
        if (n !== seq.current) return;
        setDevice((cur) => cur ?? { kind: 'softphone' });
        setError(`cannot read where calls ring: ${describe(e)}`);
      },
    );
  }, []);

  useEffect(load, [load]);

  const wasDown = useRef(false);
  useEffect(() => {
    if (link === 'reconnecting') wasDown.current = true;
    if (link === 'open' && wasDown.current) {
      wasDown.current = false;
      load();
    }
  }, [link, load]);

  const choose = useCallback((wanted: Device) => {
    const n = ++seq.current;
    setBusy(true);
    setError(null);
    setMyDevice(wanted).then(
      (d) => {
        if (n === seq.current) setDevice(d);
      },
      (e) => {
        if (n === seq.current) setError(describe(e));
      },
    ).finally(() => {
      setBusy(false);
      setAttempts((a) => a + 1);
    });
  }, []);

  return { device, busy, error, attempts, choose };
}
