// A page reload during a call: the old page's softphone leg died with it, the caller did not.
// Once the new softphone is registered (and its line open, or failed) and a snapshot has come,
// the agent's live call (connected or held) is asked back onto the line or, without one, the
// softphone, once per call per page load; the agent can retry a failure.
// When the agent answered the call is kept in session storage so that the timer goes on.
// Nothing is asked back until the device is known to be the softphone: a call on the agent's own
// phone (PSTN device) stays there.
import { useEffect, useRef } from 'react';
import type { ConsoleCall, ConsoleSnapshot } from '../api/types';
import type { PhoneState, Softphone } from '../softphone/phone';
import { rememberAnswered, storedAnswered } from './answered';

export interface Reattach {
  /** The live call being asked back, until it is connected on the softphone. */
  target: ConsoleCall | null;
  /** Asked, not on the softphone yet. */
  waiting: boolean;
  /** Why it failed, while the call is live and not on the softphone. */
  error: string | null;
  retry(): void;
}

function isMineLive(c: ConsoleCall, agentId: string): boolean {
  return c.agent === agentId && (c.state === 'connected' || c.state === 'held');
}

/** When the agent answered `c` on an earlier page of this tab, else when the call began. */
function answeredSince(c: ConsoleCall): number | null {
  return storedAnswered(c.id) ?? (c.started_at > 0 ? c.started_at : null);
}

export function useReattach(
  phone: Softphone,
  ps: PhoneState,
  snapshot: ConsoleSnapshot | null,
  details: ConsoleCall | null,
  agentId: string,
  /** Calls ring this browser (the device is known and is the softphone). */
  softphoneDevice: boolean,
): Reattach {
  const tried = useRef(new Set<string>());
  // Only a call left over from before the load is asked back, not one of this page that just ended.
  const hadCall = useRef(false);
  const call = ps.call;
  const registered = ps.reg.kind === 'registered';
  const lineOpening = ps.line.status === 'opening';

  const id = details?.id;
  const answeredAt = call?.answeredAt ?? null;
  useEffect(() => {
    if (id && answeredAt !== null) rememberAnswered(id, answeredAt);
  }, [id, answeredAt]);

  useEffect(() => {
    if (call) {
      hadCall.current = true;
      return;
    }
    // While the line opens, wait for it: the call comes back onto it with no INVITE.
    if (hadCall.current || !registered || lineOpening || !snapshot || !softphoneDevice) return;
    const live = snapshot.calls.find((c) => isMineLive(c, agentId) && !tried.current.has(c.id));
    if (!live) return;
    tried.current.add(live.id);
    void phone.reattach(live, answeredSince(live));
  }, [call, registered, lineOpening, snapshot, agentId, phone, softphoneDevice]);

  const r = ps.reattach;
  const target = (r && snapshot?.calls.find((c) => c.id === r.callId && isMineLive(c, agentId))) || null;
  const shown = target !== null && !call;
  return {
    target,
    waiting: shown && r?.error === null,
    error: shown ? (r?.error ?? null) : null,
    retry: () => {
      if (target) void phone.reattach(target, answeredSince(target));
    },
  };
}
