// Keyboard shortcuts of the agent view: Alt+A accept, Alt+H hang up (or reject an offer),
// Alt+O hold / resume, Alt+M mute, Alt+T open / close the transfer panel. Keys are matched by
// physical key so that Alt's dead keys on some layouts do not matter.
import { useEffect, useRef } from 'react';

export interface Shortcuts {
  accept(): void;
  hangup(): void;
  holdToggle(): void;
  muteToggle(): void;
  transferToggle(): void;
}

export function useShortcuts(handlers: Shortcuts): void {
  const ref = useRef(handlers);
  ref.current = handlers;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!e.altKey || e.ctrlKey || e.metaKey || e.repeat) return;
      const h = ref.current;
      const action = {
        KeyA: h.accept,
        KeyH: h.hangup,
        KeyO: h.holdToggle,
        KeyM: h.muteToggle,
        KeyT: h.transferToggle,
      }[e.code];
      if (!action) return;
      e.preventDefault();
      action();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
