// The tenant's canned responses for the email composer (`GET /email/canned-responses`), fetched
// when the composer opens, and one filled in for the conversation on demand
// (`POST /conversations/{id}/canned-responses/{name}/render`: the server fills the template).
import { useCallback, useEffect, useState } from 'react';
import { describe, listCannedResponses, renderCannedResponse } from '../api/client';
import type { CannedResponse, FilledResponse } from '../api/client';

export interface CannedResponses {
  /** By name; empty until loaded (and when the tenant has none). */
  responses: CannedResponse[];
  /** Why the list did not load. */
  error: string | null;
  /** Fills the response `name` in for the conversation. */
  fill(name: string): Promise<FilledResponse>;
}

export function useCannedResponses(conversation: string, enabled: boolean): CannedResponses {
  const [responses, setResponses] = useState<CannedResponse[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!enabled) return;
    let live = true;
    listCannedResponses().then(
      (list) => {
        if (!live) return;
        setResponses(Array.isArray(list) ? list : []);
        setError(null);
      },
      (e: unknown) => live && setError(`canned responses not loaded: ${describe(e)}`),
    );
    return () => {
      live = false;
    };
  }, [enabled]);
  const fill = useCallback((name: string) => renderCannedResponse(conversation, name), [conversation]);
  return { responses, error, fill };
}
