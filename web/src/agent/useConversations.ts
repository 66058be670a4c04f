// The email conversations the agent sees: fetched at once, every 20 s, when `refresh` changes
// (an offer came or went, the agent's state changed) and on `reload`. The last good list stays
// shown while a new one loads, so the panel does not jump.
import { useCallback, useEffect, useState } from 'react';
import { type ConversationFilter, conversations, describe } from '../api/client';
import type { Conversation } from '../api/types';

const EVERY_MS = 20_000;

export interface Conversations {
  list: Conversation[];
  loaded: boolean;
  error: string | null;
  /** Fetches the list again now (after a reply, a transfer, a close). */
  reload(): void;
}

export function useConversations(filter: ConversationFilter, refresh: unknown): Conversations {
  const [list, setList] = useState<Conversation[]>([]);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const timer = window.setInterval(() => setTick((t) => t + 1), EVERY_MS);
    return () => window.clearInterval(timer);
  }, []);
  useEffect(() => {
    let live = true;
    conversations(filter)
      .then((found) => {
        if (!live) return;
        setList(found);
        setError(null);
        setLoaded(true);
      })
      .catch((e: unknown) => {
        if (!live) return;
        setError(describe(e));
        setLoaded(true);
      });
    return () => {
      live = false;
    };
  }, [filter, refresh, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { list, loaded, error, reload };
}
