// Call control through the REST API (hold with music for the caller, DTMF, recording, hang
// up) for the softphone's call, identified by its Switchboard call id.
import { useCallback, useEffect, useRef, useState } from 'react';
import { callAction, describe, myCalls, sendDtmf } from '../api/client';
import type { CallAction, ConsoleCall } from '../api/types';
import { sameNumber } from '../console/match';
import type { CallControls } from '../components/CallPanel';
import type { CallInfo } from '../softphone/call';
import type { Softphone } from '../softphone/phone';

/** The call id: the header's, the snapshot's match, else the agent's only live call. */
async function resolveId(call: CallInfo, details: ConsoleCall | null): Promise<string> {
  if (call.callId) return call.callId;
  if (details) return details.id;
  const mine = await myCalls();
  const same = mine.filter((c) => sameNumber(c.caller, call.fromUser));
  const pick = same.length === 1 ? same[0] : mine.length === 1 ? mine[0] : undefined;
  if (!pick) throw new Error('cannot tell which Switchboard call this is (no X-Switchboard-Call header)');
  return pick.id;
}

export function useCallControls(phone: Softphone, call: CallInfo | null, details: ConsoleCall | null): CallControls {
  const [held, setHeld] = useState(false);
  const [recordingPaused, setRecordingPaused] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const ref = useRef({ call, details });
  ref.current = { call, details };

  const serverState = details?.state;
  useEffect(() => {
    if (serverState === 'held') setHeld(true);
    if (serverState === 'connected') setHeld(false);
  }, [serverState]);

  const offeredAt = call?.offeredAt;
  useEffect(() => {
    setHeld(false);
    setRecordingPaused(false);
    setError(null);
  }, [offeredAt]);

  const run = useCallback(async (what: string, fn: (id: string) => Promise<void>) => {
    const { call: c, details: d } = ref.current;
    if (!c) return false;
    setBusy(true);
    setError(null);
    try {
      await fn(await resolveId(c, d));
      return true;
    } catch (e) {
      setError(`${what} failed: ${describe(e)}`);
      return false;
    } finally {
      setBusy(false);
    }
  }, []);

  const act = useCallback((action: CallAction) => run(action.replace('_', ' '), (id) => callAction(id, action)), [run]);

  return {
    held,
    recordingPaused,
    busy,
    error,
    onHangup: () => {
      void act('hangup').finally(() => phone.hangup());
    },
    onHoldToggle: () => {
      const next = !held;
      void act(next ? 'hold' : 'resume').then((ok) => ok && setHeld(next));
    },
    onMuteToggle: () => {
      if (call) phone.setMuted(!call.muted);
    },
    onDigit: (d) => {
      void run('DTMF', (id) => sendDtmf(id, d));
    },
    onRecordPause: () => {
      void act('record_pause').then((ok) => ok && setRecordingPaused(true));
    },
    onRecordResume: () => {
      void act('record_resume').then((ok) => ok && setRecordingPaused(false));
    },
  };
}
