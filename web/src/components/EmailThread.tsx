// An open email conversation: who and what it is about, its messages oldest first, and what
// the agent can do with it — reply or note, pass it to another email queue or agent, close it.
import { useEffect, useRef, useState } from 'react';
import { closeConversation, describe, transferConversation } from '../api/client';
import { useDirectory } from '../agent/useDirectory';
import type { ConversationTarget } from '../api/client';
import type { Thread } from '../api/types';
import { EmailComposer } from './EmailComposer';
import { EmailMessage } from './EmailMessage';

interface Props {
  thread: Thread;
  /** The signed-in user's id. */
  me: string;
  /** Supervisors and admins may work on any conversation. */
  supervisor: boolean;
  /** The agent holds it now (taken from an offer). */
  held: boolean;
  /** Queue names to suggest for a transfer (the agent's own queues). */
  queues: string[];
  /** Something changed: fetch the thread and the list again. */
  onChanged(): void;
}

/** Transfer to a queue by name or to an agent, and close. */
function Actions({ id, queues, onChanged }: { id: string; queues: string[]; onChanged(): void }) {
  const [queue, setQueue] = useState('');
  const [agent, setAgent] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const { directory } = useDirectory();
  const agents = directory?.agents ?? [];
  const emailQueues = directory && directory.email_queues.length > 0
    ? directory.email_queues.map((q) => q.name) : queues;
  const run = async (what: string, f: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await f();
      setQueue('');
      setAgent('');
      onChanged();
    } catch (e) {
      setError(`${what}: ${describe(e)}`);
    } finally {
      setBusy(false);
    }
  };
  const pass = (to: ConversationTarget) => void run('Not transferred', () => transferConversation(id, to));
  const listId = `email-queues-${id}`;
  return (
    <div className="email-actions">
      <form className="email-transfer" onSubmit={(e) => {
        e.preventDefault();
        if (queue.trim()) pass({ queue: queue.trim() });
      }}>
        <label htmlFor={`${listId}-input`}>Transfer to queue</label>
        <input id={`${listId}-input`} data-testid="email-transfer-queue" list={listId} autoComplete="off"
          placeholder="email queue name" value={queue} onChange={(e) => setQueue(e.target.value)} />
        <datalist id={listId}>{emailQueues.map((q) => <option key={q} value={q} />)}</datalist>
        <button type="submit" data-testid="email-transfer" disabled={busy || queue.trim() === ''}>Transfer</button>
      </form>
      <form className="email-transfer" onSubmit={(e) => {
        e.preventDefault();
        if (agent) pass({ agent });
      }}>
        <label htmlFor={`${listId}-agent`}>or to agent</label>
        <select id={`${listId}-agent`} data-testid="email-transfer-agent" value={agent}
          onChange={(e) => setAgent(e.target.value)}>
          <option value="">Choose…</option>
          {agents.map((a) => (
            <option key={a.agent} value={a.agent} disabled={a.state === 'logged_out'}>
              {a.display_name || a.username} ({a.state.replace('_', ' ')})
            </option>
          ))}
        </select>
        <button type="submit" data-testid="email-transfer-to-agent" disabled={busy || agent === ''}>Transfer</button>
      </form>
      <button type="button" className="danger" data-testid="email-close" disabled={busy}
        onClick={() => void run('Not closed', () => closeConversation(id))}>Close conversation</button>
      <p className="error small" role="alert" data-testid="email-action-error">{error ?? ''}</p>
    </div>
  );
}

export function EmailThread({ thread, me, supervisor, held, queues, onChanged }: Props) {
  const c = thread.conversation;
  const open = c.state === 'open';
  const canWork = supervisor || held || c.held_by_you || c.agent === me;
  const list = useRef<HTMLOListElement>(null);
  const count = thread.messages.length;
  // The newest message (at the end) in view when the thread opens or grows.
  useEffect(() => {
    const el = list.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [c.id, count]);
  return (
    <article className="email-thread" data-testid="email-thread" data-id={c.id} data-state={c.state}
      data-count={count} aria-label={`Conversation with ${c.customer_name || c.customer}`}>
      <header className="email-thread-head">
        <div className="email-thread-who">
          <h3 data-testid="email-thread-subject">{c.subject || '(no subject)'}</h3>
          <div className="muted small">
            {c.customer_name ? `${c.customer_name} <${c.customer}>` : c.customer} · {c.token}
          </div>
        </div>
        <div className="email-thread-chips">
          {(held || c.held_by_you) && <span className="chip mine">Yours</span>}
          <span className={`chip state-${c.state}`} data-testid="email-thread-state">{open ? 'Open' : 'Closed'}</span>
        </div>
      </header>
      {open && canWork && <Actions id={c.id} queues={queues} onChanged={onChanged} />}
      <ol className="email-messages" ref={list} tabIndex={0} aria-label="Messages, oldest first">
        {thread.messages.map((m) => <EmailMessage key={m.id} conversation={c.id} m={m} me={me} />)}
      </ol>
      <EmailComposer key={c.id} conversation={c.id} canReply={canWork} onAdded={onChanged} />
    </article>
  );
}
