import type { AgentState, Me } from '../api/types';
import { stateLabel } from '../states';
import { formatDuration, useNow } from '../time';
import { StateSelect } from './StateSelect';

interface Props {
  me: Me;
  agent: AgentState | null;
  /** What the agent is busy with when it is not a call (e.g. "On email"), shown instead of the state's name. */
  activity?: string | null;
  reasons: string[];
  stateBusy: boolean;
  stateError: string | null;
  onState(state: 'available' | 'unavailable' | 'logged_out', reason?: string): void;
  onLogout(): void;
}

function TimeInState({ since }: { since: number }) {
  const now = useNow();
  return <span className="time-in-state" data-testid="state-timer" title="Time in this state">{formatDuration(now - since)}</span>;
}

export function Header({ me, agent, activity, reasons, stateBusy, stateError, onState, onLogout }: Props) {
  const name = me.user.display_name || me.user.username;
  const busy = agent && ['reserved', 'working', 'wrap_up'].includes(agent.state);
  return (
    <header className="topbar">
      <div className="who">
        <strong data-testid="agent-name">{name}</strong>
        <span className="muted">{me.tenant_display_name || me.tenant}</span>
      </div>
      <div className="presence">
        <span className={`badge state-${agent?.state ?? 'unknown'}`} data-testid="agent-state"
          data-state={agent?.state ?? ''}>
          {agent ? activity ?? stateLabel(agent.state, agent.reason) : 'State unknown'}
        </span>
        {agent && <TimeInState since={agent.since} />}
        {busy && agent?.next && (
          <span className="next-state" data-testid="next-state">
            Next: {stateLabel(agent.next, agent.next_reason)}
          </span>
        )}
        <StateSelect agent={agent} reasons={reasons} busy={stateBusy} onChange={onState} />
        {stateError && <span className="error small" role="alert" data-testid="state-error">{stateError}</span>}
      </div>
      <button data-testid="logout" type="button" onClick={onLogout}>Log out</button>
    </header>
  );
}
