// Call control through the REST API (hold with music for the caller, DTMF, recording, transfer,
// hang up) for the softphone's call, identified by its Switchboard call id, or for the call on the
// agent's own phone (PSTN device), which has its own mute. An agent consulted by another controls
// only their own leg.
import { useCallback, useEffect, useRef, useState } from 'react';
import { callAction, describe, myCalls, sendDtmf, transferCall } from '../api/client';
import type { CallAction, ConsoleCall, TransferAction, TransferMode, TransferTarget } from '../api/types';
import { isConsultee, sameNumber } from '../console/match';
import type { CommandResult } from '../console/socket';
import type { CallControls, CallLeg } from '../components/CallPanel';
import type { CallInfo } from '../softphone/call';
import type { Softphone } from '../softphone/phone';

/** The call id: the header's, the snapshot's match, else the agent's only live call. */
async function resolveId(leg: CallLeg, details: ConsoleCall | null): Promise<string> {
  if (leg.kind === 'pstn') return leg.call.id;
  const call = leg.call;
  if (call.callId) return call.callId;
  if (details) return details.id;
  const mine = await myCalls();
  const same = mine.filter((c) => sameNumber(c.caller, call.fromUser));
  const pick = same.length === 1 ? same[0] : mine.length === 1 ? mine[0] : undefined;
  if (!pick) throw new Error('cannot tell which Switchboard call this is (no X-Switchboard-Call header)');
  return pick.id;
}

const TRANSFER_LABELS: Record<TransferAction, string> = {
  transfer_complete: 'complete transfer',
  transfer_cancel: 'cancel consultation',
  conference: 'conference',
};

/** Sends a call-control command over the console socket (see `ConsoleSocket.command`). */
export type SocketCommand = (body: Record<string, unknown>) => Promise<CommandResult>;

/** DTMF over the console socket (no HTTP round trip per key), else over REST. */
async function sendDigits(command: SocketCommand | undefined, id: string, digits: string): Promise<void> {
  let result: CommandResult | null = null;
  if (command) {
    try {
      result = await command({ call: id, action: 'dtmf', digits });
    } catch {
      result = null;
    }
  }
  if (result === null) return sendDtmf(id, digits);
  if (!result.ok) throw new Error(result.error ?? 'refused');
}

export function useCallControls(
  phone: Softphone,
  leg: CallLeg | null,
  details: ConsoleCall | null,
  agentId: string,
  command?: SocketCommand,
): CallControls {
  const [held, setHeld] = useState(false);
  const [recordingPaused, setRecordingPaused] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [transferOpen, setTransferOpen] = useState(false);
  // The call left us by our transfer: what its end is called (kept until the next call).
  const [handedOff, setHandedOff] = useState(false);
  const ref = useRef({ leg, details });
  ref.current = { leg, details };

  const call: CallInfo | null = leg?.kind === 'softphone' ? leg.call : null;
  const consult = details?.consult ?? null;
  const consultee = isConsultee(details, agentId);
  // A call on the agent's phone is shown only while it is live.
  const connected = leg?.kind === 'pstn' || call?.status === 'connected';
  const own = connected && !consult && !consultee;

  // Which call this is: a new one starts with its controls reset.
  const callKey = leg?.kind === 'pstn' ? leg.call.id : call?.offeredAt;
  useEffect(() => {
    setHeld(false);
    setRecordingPaused(false);
    setError(null);
    setTransferOpen(false);
    if (callKey !== undefined) setHandedOff(false);
  }, [callKey]);

  // The call's state is the caller's: it says nothing of a consulted agent's leg. Runs after the
  // reset above, also for a new call: a call re-attached after a reload may be on hold already.
  const serverState = details?.state;
  useEffect(() => {
    if (consultee) return;
    if (serverState === 'held') setHeld(true);
    if (serverState === 'connected') setHeld(false);
  }, [serverState, consultee, callKey]);

  const consulting = consult !== null;
  useEffect(() => {
    if (consulting) setTransferOpen(false);
  }, [consulting]);

  const run = useCallback(async (what: string, fn: (id: string) => Promise<void>) => {
    const { leg: l, details: d } = ref.current;
    if (!l) return false;
    setBusy(true);
    setError(null);
    try {
      await fn(await resolveId(l, d));
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
    held: consultee ? false : held,
    recordingPaused,
    busy,
    error,
    consult,
    consultee,
    canHold: own,
    canTransfer: own,
    transferOpen: transferOpen && own,
    handedOff,
    onHangup: () => {
      // Hanging up the call would end the customer's call: a consulted agent leaves alone.
      if (consultee) {
        phone.hangup();
        return;
      }
      // The agent's phone: the server ends its leg too, and the snapshot drops the call.
      if (leg?.kind === 'pstn') void act('hangup');
      else void act('hangup').finally(() => phone.hangup());
    },
    onHoldToggle: () => {
      if (!own) return;
      const next = !held;
      void act(next ? 'hold' : 'resume').then((ok) => ok && setHeld(next));
    },
    onMuteToggle: () => {
      if (call) phone.setMuted(!call.muted);
    },
    onDigit: (d) => {
      if (!consultee) void run('DTMF', (id) => sendDigits(command, id, d));
    },
    onRecordPause: () => {
      if (!consultee) void act('record_pause').then((ok) => ok && setRecordingPaused(true));
    },
    onRecordResume: () => {
      if (!consultee) void act('record_resume').then((ok) => ok && setRecordingPaused(false));
    },
    onTransferOpen: (open) => {
      setTransferOpen(open && own);
    },
    onTransfer: (to: TransferTarget, mode: TransferMode) => {
      if (!own) return;
      void run(mode === 'blind' ? 'transfer' : 'consult', (id) => transferCall(id, to, mode)).then((ok) => {
        if (!ok) return;
        setTransferOpen(false);
        if (mode === 'blind') setHandedOff(true);
      });
    },
    onTransferAction: (action: TransferAction) => {
      if (consultee || !consult) return;
      void run(TRANSFER_LABELS[action], (id) => callAction(id, action)).then(
        (ok) => ok && action === 'transfer_complete' && setHandedOff(true),
      );
    },
  };
}
