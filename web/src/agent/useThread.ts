// One conversation with its messages: fetched when `id` or `version` changes (the list saw it
// change) and on `reload`; the messages' attachment lists are checked before they are shown.
import { useCallback, useEffect, useState } from 'react';
import { conversation, describe } from '../api/client';
import type { ConversationMessage, EmailAttachment, Thread } from '../api/types';

export interface ThreadView {
  /** The thread of `id` once fetched (the previous one of the same id while it reloads). */
  thread: Thread | null;
  loading: boolean;
  error: string | null;
  reload(): void;
}

function attachments(v: unknown): EmailAttachment[] {
  if (!Array.isArray(v)) return [];
  return v.flatMap((a: unknown): EmailAttachment[] => {
    if (typeof a !== 'object' || a === null) return [];
    const o = a as Record<string, unknown>;
    if (typeof o.index !== 'number') return [];
    return [{
      index: o.index,
      filename: typeof o.filename === 'string' && o.filename !== '' ? o.filename : `attachment-${o.index + 1}`,
      content_type: typeof o.content_type === 'string' ? o.content_type : 'application/octet-stream',
      size: typeof o.size === 'number' ? o.size : 0,
    }];
  });
}

function checked(t: Thread): Thread {
  const messages = (Array.isArray(t.messages) ? t.messages : []).map(
    (m): ConversationMessage => ({ ...m, attachments: attachments(m.attachments as unknown) }),
  );
  return { conversation: t.conversation, messages };
}

export function useThread(id: string | null, version: unknown): ThreadView {
  const [thread, setThread] = useState<Thread | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!id) {
      setThread(null);
      setError(null);
      setLoading(false);
      return;
    }
    let live = true;
    setLoading(true);
    setThread((t) => (t?.conversation.id === id ? t : null));
    conversation(id)
      .then((t) => {
        if (!live) return;
        setThread(checked(t));
        setError(null);
        setLoading(false);
      })
      .catch((e: unknown) => {
        if (!live) return;
        setError(describe(e));
        setLoading(false);
      });
    return () => {
      live = false;
    };
  }, [id, version, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { thread, loading, error, reload };
}
