// React binding of the console socket: the latest snapshot (with the local time it arrived,
// to tick the waited time) and the link status.
import { useEffect, useRef, useState } from 'react';
import type { ConsoleSnapshot } from '../api/types';
import { ConsoleSocket, type LinkStatus } from './socket';

export interface ConsoleView {
  snapshot: ConsoleSnapshot | null;
  /** `Date.now()` when the snapshot arrived. */
  receivedAt: number;
  link: LinkStatus;
}

export function useConsole(onClosed: (code: number) => void): ConsoleView {
  const [view, setView] = useState<ConsoleView>({ snapshot: null, receivedAt: 0, link: 'connecting' });
  const closedRef = useRef(onClosed);
  closedRef.current = onClosed;

  useEffect(() => {
    const socket = new ConsoleSocket({
      snapshot: (snapshot) => setView((v) => ({ ...v, snapshot, receivedAt: Date.now() })),
      status: (link) => setView((v) => (v.link === link ? v : { ...v, link })),
      closed: (code) => closedRef.current(code),
    });
    socket.start();
    return () => socket.stop();
  }, []);

  return view;
}
