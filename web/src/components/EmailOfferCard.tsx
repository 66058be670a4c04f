// An email conversation the ACD offers to the agent: who wrote, about what, how long it has
// waited and how long the offer lasts; Accept takes it (it opens in the Email panel), Reject
// passes it to the next agent. With several offers the oldest shows, the others are counted.
import { answerEmailOffer } from '../api/client';
import { useOfferAnswer } from '../agent/useOfferAnswer';
import type { EmailOffer } from '../api/types';
import { formatDuration, useNow } from '../time';

interface Props {
  offer: EmailOffer;
  /** Other offers waiting behind this one. */
  more: number;
  /** The agent took it. */
  onAccepted(offer: EmailOffer): void;
}

export function EmailOfferCard({ offer, more, onAccepted }: Props) {
  const { busy, error, answer } = useOfferAnswer((how) => answerEmailOffer(offer.conversation, how), () => onAccepted(offer));
  const now = useNow();
  const left = Math.max(0, offer.expires_at - now);
  return (
    <div className="toast email-toast" data-testid="email-offer" data-id={offer.conversation}>
      <div className="toast-head">
        <span className="ringing-dot" aria-hidden="true" />
        <strong>Email</strong>
        <span className="caller" data-testid="email-offer-customer">{offer.customer || 'unknown sender'}</span>
      </div>
      <p className="email-offer-subject" data-testid="email-offer-subject" title={offer.subject}>
        {offer.subject || '(no subject)'}
      </p>
      <div className="toast-meta">
        {offer.queue_name && <span>Queue: <strong data-testid="email-offer-queue">{offer.queue_name}</strong></span>}
        <span>Waiting: <strong data-testid="email-offer-waited">{formatDuration(now - offer.waiting_since)}</strong></span>
        <span className={left < 10_000 ? 'urgent' : undefined}>
          Offer ends in <strong data-testid="email-offer-left">{formatDuration(left)}</strong>
        </span>
        {more > 0 && <span className="muted" data-testid="email-offer-more">+{more} more waiting</span>}
      </div>
      {error && <p className="error small" role="alert">{error}</p>}
      <div className="toast-actions">
        <button data-testid="email-accept" className="accept" type="button" disabled={busy}
          onClick={() => void answer('accept')}>Accept</button>
        <button data-testid="email-reject" className="danger" type="button" disabled={busy}
          onClick={() => void answer('reject')}>Reject</button>
      </div>
    </div>
  );
}
