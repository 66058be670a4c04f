// The agent's routing state: from the console snapshots, from GET /me/state until the first
// one arrives, and from the answer of each change the agent makes.
import { useCallback, useEffect, useState } from 'react';
import { describe, myState, setMyState } from '../api/client';
import type { AgentState, ConsoleSnapshot } from '../api/types';

export interface AgentStateHook {
  agent: AgentState | null;
  busy: boolean;
  error: string | null;
  change(state: 'available' | 'unavailable' | 'logged_out', reason?: string): Promise<boolean>;
}

export function useAgentState(snapshot: ConsoleSnapshot | null): AgentStateHook {
  const [agent, setAgent] = useState<AgentState | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    myState().then(
      (a) => live && setAgent((cur) => cur ?? a),
      (e) => live && setError(`cannot read your state: ${describe(e)}`),
    );
    return () => {
      live = false;
    };
  }, []);

  useEffect(() => {
    if (snapshot) setAgent(snapshot.agent);
  }, [snapshot]);

  const change = useCallback(async (state: 'available' | 'unavailable' | 'logged_out', reason?: string) => {
    setBusy(true);
    setError(null);
    try {
      setAgent(await setMyState(state, reason));
      return true;
    } catch (e) {
      setError(`state not changed: ${describe(e)}`);
      return false;
    } finally {
      setBusy(false);
    }
  }, []);

  return { agent, busy, error, change };
}
