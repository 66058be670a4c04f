// React binding of the console socket: the latest snapshot (with the local time it arrived,
// to tick the waited time) and the link status.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ConsoleSnapshot } from '../api/types';
import { type CommandResult, ConsoleSocket, type LinkStatus } from './socket';

export interface ConsoleView {
  snapshot: ConsoleSnapshot | null;
  /** `Date.now()` when the snapshot arrived. */
  receivedAt: number;
  link: LinkStatus;
  /** Sends a call-control command over the socket (see `ConsoleSocket.command`). */
  command(body: Record<string, unknown>): Promise<CommandResult>;
}

type State = Omit<ConsoleView, 'command'>;

export function useConsole(onClosed: (code: number) => void): ConsoleView {
  const [view, setView] = useState<State>({ snapshot: null, receivedAt: 0, link: 'connecting' });
  const closedRef = useRef(onClosed);
  closedRef.current = onClosed;
  const socketRef = useRef<ConsoleSocket | null>(null);
  const command = useCallback((body: Record<string, unknown>) => {
    const socket = socketRef.current;
    return socket ? socket.command(body) : Promise.reject(new Error('the console link is down'));
  }, []);

  useEffect(() => {
    const socket = new ConsoleSocket({
      snapshot: (snapshot) => setView((v) => ({ ...v, snapshot, receivedAt: Date.now() })),
      status: (link) => setView((v) => (v.link === link ? v : { ...v, link })),
      closed: (code) => closedRef.current(code),
    });
    socketRef.current = socket;
    socket.start();
    return () => {
      socketRef.current = null;
      socket.stop();
    };
  }, []);

  return { ...view, command };
}
