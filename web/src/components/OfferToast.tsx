import type { ConsoleCall } from '../api/types';
import type { CallInfo } from '../softphone/call';
import { formatDuration, useNow } from '../time';
import { ScreenPopLink } from './ScreenPop';

interface Props {
  /** The softphone's call while it rings, else null (the area stays reserved). */
  offer: CallInfo | null;
  details: ConsoleCall | null;
  /** The call's queue's screen-pop URL template, if any. */
  screenPopUrl: string | null;
  /** Another agent consults us about their call. */
  consultation: boolean;
  autoAccept: boolean;
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

export function OfferToast(p: Props) {
  const { offer, details } = p;
  return (
    <section className="toast-area" aria-live="assertive" aria-label="Incoming call">
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
      ) : (
        <p className="toast-idle muted">No incoming call.</p>
      )}
      <label className="auto-accept">
        <input type="checkbox" data-testid="auto-accept" checked={p.autoAccept}
          onChange={(e) => p.onAutoAccept(e.target.checked)} />
        Accept offers automatically
      </label>
    </section>
  );
}
