// Fetches and checks the short-lived SIP credentials of the browser softphone.
import { softphoneCredentials } from '../api/client';
import type { SoftphoneCredentials } from '../api/types';

export async function fetchCredentials(): Promise<SoftphoneCredentials> {
  const c = await softphoneCredentials();
  const problem = check(c);
  if (problem) throw new Error(`the server sent unusable softphone credentials: ${problem}`);
  return c;
}

function check(c: SoftphoneCredentials): string | null {
  if (typeof c !== 'object' || c === null) return 'not an object';
  for (const key of ['username', 'password', 'uri', 'ws_url'] as const) {
    if (typeof c[key] !== 'string' || c[key] === '') return `${key} is missing`;
  }
  if (!/^wss?:\/\//i.test(c.ws_url)) return `ws_url ${c.ws_url} is not a ws:// or wss:// URL`;
  if (!/^sips?:/i.test(c.uri)) return `uri ${c.uri} is not a SIP URI`;
  if (typeof c.expires_at !== 'number') return 'expires_at is missing';
  return null;
}

/** When to fetch new credentials: a minute before they expire, at least 5 s from now. */
export function refreshDelayMs(c: SoftphoneCredentials, now: number = Date.now()): number {
  return Math.max(5000, c.expires_at - now - 60000);
}
