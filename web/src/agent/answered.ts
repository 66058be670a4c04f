// When the agent answered their live call, kept in session storage so that the call timer goes
// on across a page reload of the tab (one call at a time).
const ANSWERED_KEY = 'switchboard.answeredAt';

export function rememberAnswered(id: string, at: number): void {
  try {
    window.sessionStorage.setItem(ANSWERED_KEY, JSON.stringify({ id, at }));
  } catch {
    // Storage refused: after a reload the timer starts again.
  }
}

/** When the agent answered call `id` on an earlier page of this tab, if known. */
export function storedAnswered(id: string): number | null {
  try {
    const v = JSON.parse(window.sessionStorage.getItem(ANSWERED_KEY) ?? 'null') as { id?: unknown; at?: unknown } | null;
    if (v?.id === id && typeof v.at === 'number') return v.at;
  } catch {
    // Unreadable: not known.
  }
  return null;
}
