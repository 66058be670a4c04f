import type { AgentState } from '../api/types';
import { currentChoice, parseChoice } from '../states';

interface Props {
  agent: AgentState | null;
  reasons: string[];
  busy: boolean;
  onChange(state: 'available' | 'unavailable' | 'logged_out', reason?: string): void;
}

export function StateSelect({ agent, reasons, busy, onChange }: Props) {
  const value = agent ? currentChoice(agent) : '';
  const knownReason = agent?.reason ?? agent?.next_reason;
  const extra = knownReason && !reasons.includes(knownReason) ? [knownReason] : [];
  return (
    <label className="state-select">
      <span className="sr-only">Presence</span>
      <select data-testid="state-select" value={value} disabled={busy || !agent}
        title="Your presence for routing (while on a call it applies when the call is done)"
        onChange={(e) => {
          const c = parseChoice(e.target.value);
          if (c) onChange(c.state, c.reason);
        }}>
        <option value="" disabled>Change presence…</option>
        <option value="available">Available</option>
        {[...reasons, ...extra].map((r) => (
          <option key={r} value={`unavailable:${r}`}>Unavailable — {r}</option>
        ))}
        <option value="logged_out">Logged out (no offers)</option>
      </select>
    </label>
  );
}
