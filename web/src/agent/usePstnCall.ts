// With a PSTN device the agent's calls ring their own phone, not the browser: the console knows
// them from the snapshot only. The offer is the call ringing that phone (`offered_to` us,
// `ringing`); the call is the one the agent took by pressing 1 (`agent` us, connected or held).
// A call the softphone had is never one of them (the snapshot may list it a moment longer).
import { useEffect, useRef, useState } from 'react';
import type { ConsoleCall, ConsoleSnapshot } from '../api/types';
import { rememberAnswered, storedAnswered } from './answered';

export interface PstnCall {
  offer: ConsoleCall | null;
  call: ConsoleCall | null;
  /** When the console first saw `call` live (in this tab, across reloads): the timer's start. */
  since: number | null;
}

/**
 * `active`: the device is a phone number and the softphone has no call and no call coming back.
 * `softphoneCallId`: the snapshot's id of the softphone's call, while it has one.
 */
export function usePstnCall(
  snapshot: ConsoleSnapshot | null,
  agentId: string,
  active: boolean,
  softphoneCallId: string | null,
): PstnCall {
  const softphoneIds = useRef(new Set<string>());
  useEffect(() => {
    if (softphoneCallId) softphoneIds.current.add(softphoneCallId);
  }, [softphoneCallId]);

  const calls = active && snapshot ? snapshot.calls.filter((c) => !softphoneIds.current.has(c.id)) : [];
  const offer = calls.find((c) => c.offered_to === agentId && c.state === 'ringing') ?? null;
  const call = calls.find((c) => c.agent === agentId && (c.state === 'connected' || c.state === 'held')) ?? null;

  const id = call?.id ?? null;
  const [seen, setSeen] = useState<{ id: string; at: number } | null>(null);
  useEffect(() => {
    if (!id || seen?.id === id) return;
    const at = storedAnswered(id) ?? Date.now();
    rememberAnswered(id, at);
    setSeen({ id, at });
  }, [id, seen?.id]);

  return { offer, call, since: seen && seen.id === id ? seen.at : null };
}
