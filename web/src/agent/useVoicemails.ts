// The new voicemail messages of the agent's queues: fetched at once, every 20 s, and again when
// `refresh` changes (an interaction ended); `close` marks one dealt with.
import { useCallback, useEffect, useState } from 'react';
import { closeVoicemail, describe, voicemails } from '../api/client';
import type { Voicemail } from '../api/types';

const EVERY_MS = 20_000;

export interface Voicemails {
  messages: Voicemail[];
  loaded: boolean;
  error: string | null;
  /** Marks `id` dealt with; the error says why not. */
  close: (id: string) => Promise<string | null>;
}

export function useVoicemails(refresh: unknown): Voicemails {
  const [messages, setMessages] = useState<Voicemail[]>([]);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const timer = window.setInterval(() => setTick((t) => t + 1), EVERY_MS);
    return () => window.clearInterval(timer);
  }, []);
  useEffect(() => {
    let live = true;
    voicemails()
      .then((list) => {
        if (!live) return;
        setMessages(list);
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
  }, [refresh, tick]);
  const close = useCallback(async (id: string) => {
    try {
      await closeVoicemail(id);
      setMessages((list) => list.filter((m) => m.id !== id));
      return null;
    } catch (e: unknown) {
      // Closed by someone else meanwhile: it leaves the list all the same.
      setTick((t) => t + 1);
      return describe(e);
    }
  }, []);
  return { messages, loaded, error, close };
}
