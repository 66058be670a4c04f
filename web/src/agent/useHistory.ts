// A contact's earlier interactions, fetched when the contact changes and again on `refresh`
// (e.g. after the agent's wrap-up was saved).
import { useEffect, useState } from 'react';
import { contactHistory, describe } from '../api/client';
import type { HistoryEntry } from '../api/types';

export interface History {
  /** Whose history `entries` are (they lag a change of contact until fetched). */
  contact: string | null;
  entries: HistoryEntry[];
  loading: boolean;
  error: string | null;
}

export function useHistory(contact: string | null, refresh: unknown): History {
  const [state, setState] = useState<History>({ contact: null, entries: [], loading: false, error: null });
  useEffect(() => {
    if (!contact) {
      setState({ contact: null, entries: [], loading: false, error: null });
      return;
    }
    let live = true;
    setState((s) => ({ ...s, loading: true, error: null }));
    contactHistory(contact)
      .then((entries) => live && setState({ contact, entries, loading: false, error: null }))
      .catch((e: unknown) => live && setState({ contact, entries: [], loading: false, error: describe(e) }));
    return () => {
      live = false;
    };
  }, [contact, refresh]);
  return state;
}
