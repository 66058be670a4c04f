import { useState } from 'react';
import { callAction, describe } from '../api/client';
import type { ConsoleCall, EmailOffer, VoicemailOffer } from '../api/types';
import type { CallInfo } from '../softphone/call';
import { formatDuration, useNow } from '../time';
import { ScreenPopLink } from './ScreenPop';
import { EmailOfferCard } from './EmailOfferCard';
import { VoicemailOfferCard } from './VoicemailOfferCard';

interface Props {
  /** The softphone's call while it rings, else null (the area stays reserved). */
  offer: CallInfo | null;
  details: ConsoleCall | null;
  /** The call's queue's screen-pop URL template, if any. */
  screenPopUrl: string | null;
  /** Another agent consults us about their call. */
  consultation: boolean;
  autoAccept: boolean;
  /** Calls ring the agent's own phone (a number, or their desk phone when `desk`): the call
   * ringing it, if any. */
  pstn: { number: string; desk: boolean; offer: ConsoleCall | null; screenPopUrl: string | null } | null;
  /** A voicemail message offered to the agent (shown when no call rings). */
  voicemail: VoicemailOffer | null;
  onVoicemailAccepted(offer: VoicemailOffer): void;
  /** Email conversations offered to the agent, oldest first (shown when nothing else is). */
  email: EmailOffer[];
  onEmailAccepted(offer: EmailOffer): void;
  onAccept(): void;
  onReject(): void;
  onAutoAccept(on: boolean): void;
}

/** Time since `since` (milliseconds since the epoch, the server's clock). */
function Waited({ since }: { since: number }) {
  const now = useNow();
  return <>{formatDuration(Math.max(0, now - since))}</>;
}

function Attributes({ attrs }: { attrs: Record<string, string> }) {
  const entries = Object.entries(attrs);
  if (entries.length === 0) return null;
  return (
    <dl className="attributes" data-testid="offer-attributes">
      {entries.map(([k, v]) => (
        <div key={k}><dt>{k}</dt><dd>{v}</dd></div>
      ))}
    </dl>
  );
}

/** Answers the call ringing the agent's desk phone: the phone is asked to pick up by itself. */
function AnswerOnDesk({ call }: { call: ConsoleCall }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <div className="toast-actions">
      <button data-testid="desk-answer" className="accept" type="button" disabled={busy}
        onClick={() => {
          setBusy(true);
          setError(null);
          callAction(call.id, 'answer').then(
            () => setBusy(false),
            (e: unknown) => {
              setBusy(false);
              setError(describe(e));
            },
          );
        }}>Answer</button>
      {error && <span className="error small" role="alert">{error}</span>}
    </div>
  );
}

/** A call ringing the agent's phone. A number decides itself (1 accepts); a desk phone is
 * picked up, or answered from here. */
function PstnOffer({ number, desk, call, screenPopUrl }: { number: string; desk: boolean; call: ConsoleCall; screenPopUrl: string | null }) {
  return (
    <div className="toast" data-testid="pstn-offer" data-number={number} data-desk={desk}>
      <div className="toast-head">
        <span className="ringing-dot" aria-hidden="true" />
        <strong>Incoming call</strong>
        <span className="caller" data-testid="pstn-offer-caller">{call.caller || 'unknown caller'}</span>
      </div>
      {desk ? (
        <p className="pstn-hint">Your desk phone is ringing: pick it up, or answer here.</p>
      ) : (
        <p className="pstn-hint">
          Your phone <strong data-testid="pstn-offer-number">{number}</strong> is ringing: answer it and press 1 to accept.
        </p>
      )}
      <div className="toast-meta">
        <span>Queue: <strong data-testid="pstn-offer-queue">{call.queue ?? '—'}</strong></span>
        <span>Waited: <strong data-testid="pstn-offer-waited">
          {call.queued_at != null ? <Waited since={call.queued_at} /> : '—'}
        </strong></span>
        <span className="muted">Number called: {call.number}</span>
      </div>
      <Attributes attrs={call.screen_pop} />
      <ScreenPopLink template={screenPopUrl} call={call} />
      {desk && <AnswerOnDesk call={call} />}
    </div>
  );
}

export function OfferToast(p: Props) {
  const { offer, details } = p;
  return (
    <section className="toast-area" aria-live="assertive" aria-label="Offers">
      {offer ? (
        <div className="toast" data-testid="offer-toast">
          <div className="toast-head">
            <span className="ringing-dot" aria-hidden="true" />
            <strong data-testid="offer-kind" data-kind={p.consultation ? 'consultation' : 'call'}>
              {p.consultation ? 'Consultation' : 'Incoming call'}
            </strong>
            <span className="caller" data-testid="offer-caller">
              {details?.caller || offer.fromUser || 'unknown caller'}
            </span>
            {offer.displayName && <span className="muted">{offer.displayName}</span>}
          </div>
          <div className="toast-meta">
            <span>Queue: <strong data-testid="offer-queue">{details?.queue ?? '—'}</strong></span>
            <span>Waited: <strong data-testid="offer-waited">
              {details?.queued_at != null ? <Waited since={details.queued_at} /> : '—'}
            </strong></span>
            {details && <span className="muted">Number called: {details.number}</span>}
          </div>
          <Attributes attrs={details?.screen_pop ?? {}} />
          <ScreenPopLink template={p.screenPopUrl} call={details} />
          <div className="toast-actions">
            <button data-testid="offer-accept" className="accept" type="button" onClick={p.onAccept}
              title="Accept (Alt+A)">Accept</button>
            <button data-testid="offer-reject" className="danger" type="button" onClick={p.onReject}
              title="Reject (Alt+H)">Reject</button>
          </div>
        </div>
      ) : p.pstn?.offer ? (
        <PstnOffer number={p.pstn.number} desk={p.pstn.desk} call={p.pstn.offer} screenPopUrl={p.pstn.screenPopUrl} />
      ) : p.voicemail ? (
        <VoicemailOfferCard key={p.voicemail.voicemail} offer={p.voicemail} onAccepted={p.onVoicemailAccepted} />
      ) : p.email[0] ? (
        <EmailOfferCard key={p.email[0].conversation} offer={p.email[0]} more={p.email.length - 1}
          onAccepted={p.onEmailAccepted} />
      ) : (
        <p className="toast-idle muted">No incoming call.</p>
      )}
      {p.pstn?.desk ? (
        <p className="auto-accept muted">Calls ring your desk phone.</p>
      ) : p.pstn ? (
        <p className="auto-accept muted">Calls ring {p.pstn.number}: press 1 on the phone to accept.</p>
      ) : (
        <label className="auto-accept">
          <input type="checkbox" data-testid="auto-accept" checked={p.autoAccept}
            onChange={(e) => p.onAutoAccept(e.target.checked)} />
          Accept offers automatically
        </label>
      )}
    </section>
  );
}
