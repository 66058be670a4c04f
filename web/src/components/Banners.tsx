import type { LinkStatus } from '../console/socket';

export function ReconnectBanner({ link }: { link: LinkStatus }) {
  if (link !== 'reconnecting') return null;
  return (
    <div className="banner warn" role="status" data-testid="reconnect-banner">
      Connection to the server lost — reconnecting… Offers and state changes may be delayed.
    </div>
  );
}

export function Notice({ text, onDismiss }: { text: string | null; onDismiss(): void }) {
  if (!text) return null;
  return (
    <div className="banner info" role="status" data-testid="notice">
      <span>{text}</span>
      <button type="button" onClick={onDismiss} aria-label="Dismiss notice">Dismiss</button>
    </div>
  );
}

/** The call left over from before a page reload, while it is asked back onto the softphone. */
export function ReattachBanner({ waiting, error, onRetry }: { waiting: boolean; error: string | null; onRetry(): void }) {
  if (waiting) {
    return (
      <div className="banner info" role="status" data-testid="reattaching">
        Reconnecting to your call…
      </div>
    );
  }
  if (error === null) return null;
  return (
    <div className="banner warn" role="alert">
      <span data-testid="reattach-error">Your call is not connected to this console: {error}</span>
      <button type="button" data-testid="reattach-retry" onClick={onRetry}>Reconnect</button>
    </div>
  );
}
