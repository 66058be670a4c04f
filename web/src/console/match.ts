// Which snapshot call is the softphone's call: by the INVITE's `X-Switchboard-Call` id, else
// by the caller's number (preferring a call offered to or connected to this agent); a call the
// agent dialled is their outbound call. An agent consulted by another sees that call too.
import type { ConsoleCall } from '../api/types';

export interface CallKey {
  callId: string | null;
  fromUser: string;
  outgoing?: boolean;
}

export function matchCall(calls: ConsoleCall[], key: CallKey, agentId: string): ConsoleCall | null {
  if (key.callId) {
    return calls.find((c) => c.id === key.callId) ?? null;
  }
  if (key.outgoing) {
    return calls.find((c) => c.direction === 'outbound' && c.agent === agentId) ?? null;
  }
  if (!key.fromUser) return null;
  const same = calls.filter((c) => sameNumber(c.caller, key.fromUser));
  const mine = same.find((c) => c.offered_to === agentId || c.agent === agentId || c.consult?.agent === agentId);
  return mine ?? same[0] ?? null;
}

/** Numbers compare without formatting and a leading `+`. */
export function sameNumber(a: string, b: string): boolean {
  const norm = (s: string) => s.replace(/[\s().-]/g, '').replace(/^\+/, '').toLowerCase();
  return a !== '' && norm(a) === norm(b);
}

/** The agent was consulted on this call by its agent (until a completed transfer makes it theirs). */
export function isConsultee(call: ConsoleCall | null, agentId: string): boolean {
  return !!call?.consult && call.consult.agent === agentId && call.agent !== agentId;
}
