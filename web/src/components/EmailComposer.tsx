// Writing in a conversation: a reply to the customer (reply-all, copies, the customer's last
// message quoted, files attached, a canned response filled in at the top to edit), a forward
// of the customer's last message to other addresses, or an internal note. Each keeps its own
// text; a failed send shows the server's reason and keeps the text. Ctrl+Enter sends.
import { type ChangeEvent, type KeyboardEvent, useState } from 'react';
import { addConversationNote, describe, forwardConversation, replyToConversation } from '../api/client';
import { MAX_ATTACHMENT_BYTES, type ReadFile, formatBytes, readFile } from '../agent/files';
import { useCannedResponses } from '../agent/useCannedResponses';

type Mode = 'reply' | 'forward' | 'note';

interface Props {
  conversation: string;
  /** Whether the agent may reply (they hold it or handled it last); notes are always allowed. */
  canReply: boolean;
  /** A reply or a note was added. */
  onAdded(): void;
}

/** `a@x.org, b@y.org; c@z.org` → the addresses. */
function addresses(text: string): string[] {
  return text.split(/[\s,;]+/).filter((a) => a !== '');
}

function useAttachments() {
  const [files, setFiles] = useState<ReadFile[]>([]);
  const [error, setError] = useState<string | null>(null);
  const total = files.reduce((n, f) => n + f.size, 0);
  const add = async (e: ChangeEvent<HTMLInputElement>) => {
    const input = e.currentTarget;
    const picked = Array.from(input.files ?? []);
    input.value = '';
    setError(null);
    const size = picked.reduce((n, f) => n + f.size, total);
    if (size > MAX_ATTACHMENT_BYTES) {
      setError(`Not attached: that makes ${formatBytes(size)}, at most ${formatBytes(MAX_ATTACHMENT_BYTES)} in all.`);
      return;
    }
    try {
      const read = await Promise.all(picked.map(readFile));
      setFiles((fs) => [...fs, ...read]);
    } catch (err) {
      setError(describe(err));
    }
  };
  const remove = (i: number) => setFiles((fs) => fs.filter((_, j) => j !== i));
  return { files, total, error, add, remove, clear: () => setFiles([]) };
}

export function EmailComposer({ conversation, canReply, onAdded }: Props) {
  const [mode, setMode] = useState<Mode>('reply');
  const [reply, setReply] = useState('');
  const [note, setNote] = useState('');
  const [fwd, setFwd] = useState('');
  const [fwdTo, setFwdTo] = useState('');
  const [all, setAll] = useState(false);
  const [quote, setQuote] = useState(false);
  const [cc, setCc] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const att = useAttachments();
  const canned = useCannedResponses(conversation, canReply);
  const [filling, setFilling] = useState(false);
  /** A subject of the agent's own (from a canned response); null answers under `Re:`. */
  const [subject, setSubject] = useState<string | null>(null);
  const shown: Mode = canReply ? mode : 'note';
  const text = shown === 'reply' ? reply : shown === 'forward' ? fwd : note;
  const setText = shown === 'reply' ? setReply : shown === 'forward' ? setFwd : setNote;
  const ready = shown === 'forward' ? addresses(fwdTo).length > 0 : text.trim() !== '';

  const send = async () => {
    if (busy || !ready) return;
    setBusy(true);
    setError(null);
    try {
      if (shown === 'reply') {
        const attachments = att.files.map(({ filename, content_type, content_base64 }) => ({ filename, content_type, content_base64 }));
        const own = subject !== null && subject.trim() !== '' ? subject.trim() : null;
        await replyToConversation(conversation, { text: reply, all, quote, cc: addresses(cc), attachments, subject: own });
        setReply('');
        setSubject(null);
        setCc('');
        att.clear();
      } else if (shown === 'forward') {
        await forwardConversation(conversation, addresses(fwdTo), fwd);
        setFwd('');
        setFwdTo('');
      } else {
        await addConversationNote(conversation, note);
        setNote('');
      }
      onAdded();
    } catch (e) {
      setError(`${shown === 'note' ? 'Note not added' : 'Not sent'}: ${describe(e)}`);
    } finally {
      setBusy(false);
    }
  };
  /** Puts the response filled in for this conversation above what the reply already says. */
  const insertCanned = async (name: string) => {
    if (name === '' || filling) return;
    setFilling(true);
    setError(null);
    try {
      const filled = await canned.fill(name);
      setReply((said) => (said.trim() === '' ? filled.body : `${filled.body}\n\n${said}`));
      if (filled.subject) setSubject(filled.subject);
    } catch (e) {
      setError(`Canned response not inserted: ${describe(e)}`);
    } finally {
      setFilling(false);
    }
  };
  const onKey = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      void send();
    }
  };

  return (
    <form className={`email-composer ${shown}`} data-testid="email-composer" data-mode={shown}
      onSubmit={(e) => { e.preventDefault(); void send(); }}>
      <div className="composer-modes" role="group" aria-label="Write">
        <button type="button" data-testid="email-mode-reply" aria-pressed={shown === 'reply'} disabled={!canReply}
          onClick={() => { setMode('reply'); setError(null); }}>Reply to customer</button>
        <button type="button" data-testid="email-mode-forward" aria-pressed={shown === 'forward'} disabled={!canReply}
          onClick={() => { setMode('forward'); setError(null); }}>Forward</button>
        <button type="button" data-testid="email-mode-note" aria-pressed={shown === 'note'}
          onClick={() => { setMode('note'); setError(null); }}>Internal note</button>
      </div>
      {!canReply && <p className="muted small">Accept the conversation from an offer to reply; notes can be added.</p>}
      {shown === 'reply' && (
        <label className="composer-canned">Canned response
          <select data-testid="email-canned" value="" disabled={busy || filling || canned.responses.length === 0}
            onChange={(e) => void insertCanned(e.target.value)}>
            <option value="">{filling ? 'Filling in…' : canned.responses.length === 0 ? 'None yet' : 'Insert…'}</option>
            {canned.responses.map((r) => <option key={r.name} value={r.name}>{r.name}</option>)}
          </select>
          {canned.error && <span className="muted small" data-testid="email-canned-error">{canned.error}</span>}
        </label>
      )}
      {shown === 'reply' && subject !== null && (
        <label className="composer-cc composer-subject">Subject
          <input data-testid="email-subject" type="text" maxLength={200} value={subject}
            onChange={(e) => setSubject(e.target.value)} />
          <button type="button" className="link" aria-label="Answer under the customer's subject"
            onClick={() => setSubject(null)}>Use “Re:”</button>
        </label>
      )}
      {shown === 'forward' && (
        <label className="composer-cc">To
          <input data-testid="email-forward-to" type="text" inputMode="email" autoComplete="off" value={fwdTo}
            placeholder="addresses, separated by commas" onChange={(e) => setFwdTo(e.target.value)} />
        </label>
      )}
      <textarea data-testid={`email-${shown}-text`} rows={4} value={text}
        aria-label={shown === 'reply' ? 'Reply to the customer' : shown === 'forward'
          ? 'Text above the forwarded message' : 'Internal note (not sent to the customer)'}
        placeholder={shown === 'reply' ? 'Write to the customer…' : shown === 'forward'
          ? 'A few words for the recipient (the customer\'s last message follows, attached whole)…'
          : 'A note for colleagues, never sent to the customer…'}
        onChange={(e) => setText(e.target.value)} onKeyDown={onKey} />
      {shown === 'reply' && (
        <div className="composer-options">
          <label><input type="checkbox" data-testid="email-reply-all" checked={all}
            onChange={(e) => setAll(e.target.checked)} /> Reply to all</label>
          <label><input type="checkbox" data-testid="email-quote" checked={quote}
            onChange={(e) => setQuote(e.target.checked)} /> Quote the last message</label>
          <label className="composer-cc">Cc
            <input data-testid="email-cc" type="text" inputMode="email" autoComplete="off" value={cc}
              placeholder="addresses, separated by commas" onChange={(e) => setCc(e.target.value)} />
          </label>
          <label className="composer-attach">
            <input className="sr-only" data-testid="email-attach" type="file" multiple onChange={(e) => void att.add(e)} />
            Attach files…
          </label>
          <span className="muted small" data-testid="email-attach-limit">
            {formatBytes(att.total)} of {formatBytes(MAX_ATTACHMENT_BYTES)} in files
          </span>
        </div>
      )}
      {shown === 'reply' && att.files.length > 0 && (
        <ul className="composer-files" data-testid="email-attached">
          {att.files.map((f, i) => (
            <li key={`${f.filename}-${i}`} data-testid="email-attached-file" data-filename={f.filename}>
              {f.filename} <span className="muted small">{formatBytes(f.size)}</span>
              <button type="button" className="link" aria-label={`Remove ${f.filename}`} onClick={() => att.remove(i)}>
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      {shown === 'reply' && att.error && <p className="error small" role="alert">{att.error}</p>}
      <p className="error small" role="alert" data-testid="email-error">{error ?? ''}</p>
      <div className="composer-actions">
        <button type="submit" className="primary"
          data-testid={shown === 'reply' ? 'email-send' : shown === 'forward' ? 'email-forward-send' : 'email-note-add'}
          disabled={busy || !ready}>
          {busy ? (shown === 'note' ? 'Adding…' : 'Sending…')
            : shown === 'reply' ? 'Send reply' : shown === 'forward' ? 'Forward' : 'Add note'}
        </button>
        <span className="muted small">Ctrl+Enter</span>
      </div>
    </form>
  );
}
