// One message of an email thread: from the customer, a reply, or an internal note, each drawn
// differently. The text is plain text (an HTML message arrives converted by the server). A
// customer's formatted (HTML) message can be shown on request, sanitised by the server, in a
// sandboxed frame that runs nothing and loads no remote image until the agent asks;
// attachments and the raw message are downloads.
import { useState } from 'react';
import { attachmentUrl, messageHtmlUrl } from '../api/client';
import type { ConversationMessage } from '../api/types';
import { formatBytes } from '../agent/files';
import { SenderChecks } from './SenderChecks';

const LABELS: Record<string, string> = { inbound: 'Customer', outbound: 'Reply', note: 'Internal note' };

function when(ms: number): string {
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

interface Props {
  conversation: string;
  m: ConversationMessage;
  /** The signed-in user's id, to name their own replies and notes. */
  me: string;
}

/** The formatted view: off, sanitised without remote images, or with them. */
type View = 'text' | 'html' | 'html-remote';

function Formatted({ conversation, m, view, setView }:
  { conversation: string; m: ConversationMessage; view: View; setView(v: View): void }) {
  return (
    <div className="email-format">
      <div className="email-format-bar">
        <button type="button" className="link small" data-testid="email-show-html" aria-pressed={view !== 'text'}
          onClick={() => setView(view === 'text' ? 'html' : 'text')}>
          {view === 'text' ? 'Show formatted' : 'Show plain text'}
        </button>
        {view === 'html' && (
          <button type="button" className="link small" data-testid="email-load-remote"
            title="Remote images can tell the sender that the message was read"
            onClick={() => setView('html-remote')}>Load remote images</button>
        )}
      </div>
      {view !== 'text' && (
        <iframe className="email-html" data-testid="email-html" title={`Formatted message ${m.id}`}
          sandbox="allow-popups allow-popups-to-escape-sandbox" referrerPolicy="no-referrer"
          src={messageHtmlUrl(conversation, m.id, view === 'html-remote')} />
      )}
    </div>
  );
}

export function EmailMessage({ conversation, m, me }: Props) {
  const [view, setView] = useState<View>('text');
  const direction = m.direction in LABELS ? m.direction : 'inbound';
  const mine = m.author === me;
  // The server builds it from ids; anything else is not linked.
  const raw = m.raw && m.raw.startsWith('/api/v1/') ? m.raw : null;
  const who = direction === 'note' ? (mine ? 'You' : 'An agent') : m.sender || 'unknown sender';
  return (
    <li className={`email-message ${direction}`} data-testid="email-message" data-id={m.id}
      data-direction={direction} aria-label={`${LABELS[direction]} from ${who}`}>
      <div className="email-message-head">
        <span className={`chip dir-${direction}`}>{LABELS[direction]}</span>
        <strong className="email-from">{who}{mine && direction === 'outbound' ? ' (you)' : ''}</strong>
        <span className="muted small email-when">{when(m.created_at)}</span>
      </div>
      {direction === 'inbound' && raw && <SenderChecks conversation={conversation} message={m.id} />}
      {direction !== 'note' && m.recipients.length > 0 && (
        <div className="muted small email-to">To: {m.recipients.join(', ')}</div>
      )}
      {(m.too_large || m.malformed) && (
        <div className="email-flags" data-testid="email-flags">
          {m.too_large && <span className="chip flag" data-testid="email-too-large">Cut at the size limit</span>}
          {m.malformed && <span className="chip flag" data-testid="email-malformed">Malformed: kept as received</span>}
        </div>
      )}
      {view === 'text' && <pre className="email-text" data-testid="email-text">{m.text}</pre>}
      {direction === 'inbound' && raw && <Formatted conversation={conversation} m={m} view={view} setView={setView} />}
      {(m.attachments.length > 0 || raw) && (
        <ul className="email-files">
          {m.attachments.map((a) => (
            <li key={a.index}>
              <a data-testid="email-attachment" href={attachmentUrl(conversation, m.id, a.index)} download={a.filename}
                data-filename={a.filename}>{a.filename}</a>{' '}
              <span className="muted small">{formatBytes(a.size)}</span>
            </li>
          ))}
          {raw && (
            <li>
              <a data-testid="email-raw" href={raw} download={`${m.id}.eml`} className="small">
                Download the original (.eml)
              </a>
            </li>
          )}
        </ul>
      )}
    </li>
  );
}
