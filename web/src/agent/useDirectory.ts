// The transfer directory (`GET /me/directory`): fetched when the transfer panel mounts and
// every 5 s while it stays open.
import { useEffect, useState } from 'react';
import { describe, directory as fetchDirectory } from '../api/client';
import type { Directory } from '../api/types';

const REFRESH_MS = 5000;

export interface DirectoryView {
  /** Null until the first answer. */
  directory: Directory | null;
  /** Why the last fetch failed (the last good list stays shown). */
  error: string | null;
}

export function useDirectory(): DirectoryView {
  const [view, setView] = useState<DirectoryView>({ directory: null, error: null });
  useEffect(() => {
    let live = true;
    const load = () => {
      fetchDirectory().then(
        (d) => live && setView({
          directory: { agents: d.agents ?? [], queues: d.queues ?? [], email_queues: d.email_queues ?? [] },
          error: null,
        }),
        (e) => live && setView((v) => ({ ...v, error: `directory not loaded: ${describe(e)}` })),
      );
    };
    load();
    const timer = window.setInterval(load, REFRESH_MS);
    return () => {
      live = false;
      window.clearInterval(timer);
    };
  }, []);
  return view;
}
