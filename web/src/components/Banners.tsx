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
