// The agent's email: the conversations of their queues and those they handled (the ones they
// hold first, marked as theirs) and, beside the list, the conversation they opened. The list is
// fetched again when the console's snapshot changes what is offered or held, and every 20 s.
import { useState } from 'react';
import type { ConversationFilter } from '../api/client';
import type { Conversation } from '../api/types';
import { useConversations } from '../agent/useConversations';
import { useThread } from '../agent/useThread';
import { EmailThread } from './EmailThread';

function when(ms: number): string {
  const d = new Date(ms);
  const today = new Date().toDateString() === d.toDateString();
  return today
    ? d.toLocaleTimeString(undefined, { timeStyle: 'short' })
    : d.toLocaleDateString(undefined, { dateStyle: 'medium' });
}

interface ItemProps {
  c: Conversation;
  mine: boolean;
  selected: boolean;
  onOpen(id: string): void;
}

function Item({ c, mine, selected, onOpen }: ItemProps) {
  return (
    <li>
      <button type="button" className={`email-item${mine ? ' mine' : ''}`} data-testid="email-item" data-id={c.id}
        data-mine={mine} data-state={c.state} aria-current={selected ? 'true' : undefined}
        onClick={() => onOpen(c.id)}>
        <span className="history-line">
          <strong className="email-item-who">{c.customer_name || c.customer}</strong>
          <span className="muted small">{when(c.updated_at)}</span>
        </span>
        <span className="email-item-subject">{c.subject || '(no subject)'}</span>
        <span className="email-item-chips">
          {mine && <span className="chip mine">Yours</span>}
          {c.state !== 'open' && <span className="chip">Closed</span>}
          <span className="chip" title="Messages">{c.message_count} msg</span>
        </span>
      </button>
    </li>
  );
}

interface Props {
  /** The signed-in user's id and whether they supervise (they may work on any conversation). */
  me: string;
  supervisor: boolean;
  /** Changes when the list may have changed (offers, held conversations, the agent's state). */
  refresh: string;
  /** Ids of the conversations the agent holds (from the console's snapshot). */
  held: string[];
  /** The conversation shown, and how to show another. */
  selected: string | null;
  onSelect(id: string | null): void;
  /** Queue names to suggest for a transfer. */
  queues: string[];
}

export function EmailPanel({ me, supervisor, refresh, held, selected, onSelect, queues }: Props) {
  const [filter, setFilter] = useState<ConversationFilter>('open');
  const convs = useConversations(filter, refresh);
  const isMine = (c: Conversation) => c.held_by_you || held.includes(c.id);
  const ordered = [...convs.list.filter(isMine), ...convs.list.filter((c) => !isMine(c))];
  const listed = convs.list.find((c) => c.id === selected);
  // The thread is fetched again whenever the list sees it change.
  const thread = useThread(selected, listed ? `${listed.updated_at}|${listed.message_count}|${listed.state}` : '');
  const changed = () => {
    thread.reload();
    convs.reload();
  };
  const shown = thread.thread && thread.thread.conversation.id === selected ? thread.thread : null;
  return (
    <section className="panel email-panel" aria-label="Email" data-testid="email-panel"
      data-loading={!convs.loaded} data-count={convs.list.length}>
      <div className="email-panel-head">
        <h2>Email{convs.list.length > 0 && <span className="chip">{convs.list.length}</span>}</h2>
        <label className="small">
          Show{' '}
          <select data-testid="email-filter" value={filter} onChange={(e) => setFilter(e.target.value as ConversationFilter)}>
            <option value="open">Open</option>
            <option value="closed">Closed</option>
            <option value="all">All</option>
          </select>
        </label>
      </div>
      {convs.error && <p className="error small" role="alert">{convs.error}</p>}
      <div className="email-body">
        <div className="email-list" aria-label="Conversations">
          {convs.loaded && !convs.error && convs.list.length === 0 && (
            <p className="muted" data-testid="email-empty">No {filter === 'all' ? '' : `${filter} `}conversations.</p>
          )}
          {ordered.length > 0 && (
            <ul>
              {ordered.map((c) => (
                <Item key={c.id} c={c} mine={isMine(c)} selected={c.id === selected} onOpen={onSelect} />
              ))}
            </ul>
          )}
        </div>
        <div className="email-view" data-testid="email-view" data-loading={thread.loading}>
          {thread.error && <p className="error small" role="alert" data-testid="email-thread-error">{thread.error}</p>}
          {shown ? (
            <EmailThread thread={shown} me={me} supervisor={supervisor} held={held.includes(shown.conversation.id)}
              queues={queues} onChanged={changed} />
          ) : (
            <p className="muted email-placeholder">
              {selected && thread.loading ? 'Loading the conversation…' : 'Choose a conversation to read it.'}
            </p>
          )}
        </div>
      </div>
    </section>
  );
}
