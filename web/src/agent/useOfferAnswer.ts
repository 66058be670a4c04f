// Accept or reject an offer of a routed item (an email conversation, a voicemail message):
// one answer at a time, the server's refusal kept to show, `onAccepted` once it is taken.
import { useState } from 'react';
import { describe } from '../api/client';

export type OfferAnswer = 'accept' | 'reject';

export interface OfferAnswering {
  /** An answer is on its way: the buttons wait. */
  busy: boolean;
  /** Why the last answer was refused. */
  error: string | null;
  answer(how: OfferAnswer): Promise<void>;
}

export function useOfferAnswer(send: (how: OfferAnswer) => Promise<unknown>, onAccepted: () => void): OfferAnswering {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const answer = async (how: OfferAnswer) => {
    setBusy(true);
    setError(null);
    try {
      await send(how);
      if (how === 'accept') onAccepted();
    } catch (e) {
      setError(describe(e));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, answer };
}
