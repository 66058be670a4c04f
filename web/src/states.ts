// Names and choices of agent states.
import type { AgentState } from './api/types';

export const DEFAULT_REASONS = ['break', 'lunch', 'meeting', 'training'];

const LABELS: Record<string, string> = {
  logged_out: 'Logged out',
  available: 'Available',
  unavailable: 'Unavailable',
  reserved: 'Offer ringing',
  working: 'On a call',
  wrap_up: 'After-call work',
};

export function stateLabel(state: string, reason?: string | null): string {
  const label = LABELS[state] ?? state;
  return reason ? `${label} (${reason})` : label;
}

/** A choice of the state selector: `available`, `logged_out` or `unavailable:<reason>`. */
export type Choice = string;

export function choiceOf(state: string | null | undefined, reason?: string | null): Choice {
  if (state === 'available' || state === 'logged_out') return state;
  if (state === 'unavailable') return `unavailable:${reason ?? ''}`;
  return '';
}

/** What the selector shows: the presence asked for (`next` while busy), or nothing. */
export function currentChoice(a: AgentState): Choice {
  const now = choiceOf(a.state, a.reason);
  return now !== '' ? now : choiceOf(a.next, a.next_reason);
}

export function parseChoice(c: Choice): { state: 'available' | 'unavailable' | 'logged_out'; reason?: string } | null {
  if (c === 'available' || c === 'logged_out') return { state: c };
  if (c.startsWith('unavailable:') && c.length > 'unavailable:'.length) {
    return { state: 'unavailable', reason: c.slice('unavailable:'.length) };
  }
  return null;
}

export function reasonsOf(codes: string[] | undefined): string[] {
  return codes && codes.length > 0 ? codes : DEFAULT_REASONS;
}
