// A voicemail message the ACD offers to the agent, like a call: who left it, in which queue,
// how long; Accept takes it (it plays in the Voicemail panel), Reject sends it back.
import { answerVoicemailOffer } from '../api/client';
import { useOfferAnswer } from '../agent/useOfferAnswer';
import type { VoicemailOffer } from '../api/types';
import { formatDuration, useNow } from '../time';

interface Props {
  offer: VoicemailOffer;
  /** The agent took it. */
  onAccepted(offer: VoicemailOffer): void;
}

export function VoicemailOfferCard({ offer, onAccepted }: Props) {
  const { busy, error, answer } = useOfferAnswer((how) => answerVoicemailOffer(offer.voicemail, how), () => onAccepted(offer));
  const now = useNow();
  const left = Math.max(0, offer.expires_at - now);
  return (
    <div className="toast" data-testid="voicemail-offer" data-id={offer.voicemail}>
      <div className="toast-head">
        <span className="ringing-dot" aria-hidden="true" />
        <strong>Voicemail</strong>
        <span className="caller" data-testid="voicemail-offer-caller">{offer.caller || 'Withheld number'}</span>
      </div>
      <div className="toast-meta">
        <span>Queue: <strong data-testid="voicemail-offer-queue">{offer.mailbox}</strong></span>
        <span>Length: <strong>{formatDuration(offer.duration_ms)}</strong></span>
        <span className="muted">Left {new Date(offer.received_at).toLocaleString()}</span>
        <span className="muted">Offer ends in {formatDuration(left)}</span>
      </div>
      {error && <p className="error small" role="alert">{error}</p>}
      <div className="toast-actions">
        <button data-testid="voicemail-accept" className="accept" type="button" disabled={busy}
          onClick={() => void answer('accept')}>Accept</button>
        <button data-testid="voicemail-reject" className="danger" type="button" disabled={busy}
          onClick={() => void answer('reject')}>Reject</button>
      </div>
    </div>
  );
}
