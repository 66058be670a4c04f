// The REST client: same origin, session cookie, JSON in and out. Every failure is an
// `ApiFailure` with the HTTP status and the server's message.
import type {
  AgentState,
  CallAction,
  CallView,
  Conversation,
  ConversationMessage,
  Device,
  HistoryEntry,
  Directory,
  Me,
  ReplyRequest,
  SoftphoneCredentials,
  Thread,
  TransferMode,
  TransferTarget,
  Voicemail,
  WantedState,
} from './types';

const BASE = '/api/v1';

/** A failed request: `status` is 0 when the server could not be reached. */
export class ApiFailure extends Error {
  readonly status: number;
  readonly code: string | null;
  readonly retryAfterSecs: number | null;

  constructor(status: number, message: string, code: string | null, retryAfterSecs: number | null) {
    super(message);
    this.name = 'ApiFailure';
    this.status = status;
    this.code = code;
    this.retryAfterSecs = retryAfterSecs;
  }
}

interface ErrorBody {
  error?: { code?: unknown; message?: unknown };
}

async function failure(res: Response): Promise<ApiFailure> {
  const retry = Number.parseInt(res.headers.get('retry-after') ?? '', 10);
  const retryAfter = Number.isFinite(retry) ? retry : null;
  let code: string | null = null;
  let message = `${res.status} ${res.statusText || 'error'}`.trim();
  try {
    const body = (await res.json()) as ErrorBody;
    if (typeof body.error?.message === 'string') message = body.error.message;
    if (typeof body.error?.code === 'string') code = body.error.code;
  } catch {
    // Not JSON (a proxy's error page, a 404 from a static server): keep the status line.
  }
  return new ApiFailure(res.status, message, code, retryAfter);
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, credentials: 'same-origin', headers: {} };
  if (body !== undefined) {
    init.headers = { 'content-type': 'application/json' };
    init.body = JSON.stringify(body);
  }
  let res: Response;
  try {
    res = await fetch(`${BASE}${path}`, init);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new ApiFailure(0, `cannot reach the server (${why})`, null, null);
  }
  if (!res.ok) throw await failure(res);
  if (res.status === 204) return undefined as T;
  try {
    return (await res.json()) as T;
  } catch {
    throw new ApiFailure(res.status, 'the server sent a response that is not JSON', null, null);
  }
}

export function login(tenant: string, username: string, password: string): Promise<Me> {
  return request<Me>('POST', '/auth/login', { tenant, username, password });
}

export function logout(): Promise<void> {
  return request<void>('POST', '/auth/logout');
}

export function me(): Promise<Me> {
  return request<Me>('GET', '/me');
}

export function myState(): Promise<AgentState> {
  return request<AgentState>('GET', '/me/state');
}

export function setMyState(state: WantedState, reason?: string): Promise<AgentState> {
  const body = reason === undefined ? { state } : { state, reason };
  return request<AgentState>('PUT', '/me/state', body);
}

export function myCalls(): Promise<CallView[]> {
  return request<CallView[]>('GET', '/me/calls');
}

export function callAction(id: string, action: CallAction): Promise<void> {
  return request<void>('POST', `/calls/${encodeURIComponent(id)}/${action}`);
}

/** Blind: the agent's leg ends at once. Consult: the caller holds while the target rings. */
export function transferCall(id: string, to: TransferTarget, mode: TransferMode): Promise<void> {
  return request<void>('POST', `/calls/${encodeURIComponent(id)}/transfer`, { to, mode });
}

/** A contact's earlier interactions, newest first. */
export function contactHistory(contact: string, limit = 10): Promise<HistoryEntry[]> {
  const q = new URLSearchParams({ contact, limit: String(limit) });
  return request<HistoryEntry[]>('GET', `/contacts/history?${q.toString()}`);
}

/** New voicemail messages of the agent's queues, newest first. */
export function voicemails(limit = 50): Promise<Voicemail[]> {
  return request<Voicemail[]>('GET', `/voicemails?limit=${limit}`);
}

/** Marks a voicemail message dealt with. */
export function closeVoicemail(id: string): Promise<Voicemail> {
  return request<Voicemail>('POST', `/voicemails/${encodeURIComponent(id)}/close`);
}

/** Takes (`accept`) or declines (`reject`) the voicemail message offered to the agent. */
export function answerVoicemailOffer(id: string, answer: 'accept' | 'reject'): Promise<void> {
  return request<void>('POST', `/voicemails/${encodeURIComponent(id)}/${answer}`);
}

/** Which email conversations to list. */
export type ConversationFilter = 'open' | 'closed' | 'all';

/** The email conversations of the agent's queues and those they handled, most recently active first. */
export function conversations(state: ConversationFilter, limit = 50): Promise<Conversation[]> {
  const q = new URLSearchParams({ state, limit: String(limit) });
  return request<Conversation[]>('GET', `/conversations?${q.toString()}`);
}

function conversationPath(id: string): string {
  return `/conversations/${encodeURIComponent(id)}`;
}

/** A conversation with its messages, oldest first. */
export function conversation(id: string): Promise<Thread> {
  return request<Thread>('GET', conversationPath(id));
}

/** Where an attachment of a message downloads from (same origin, the session cookie). */
/** A canned response as listed: its templates, not yet filled in. */
export interface CannedResponse {
  name: string;
  /** The subject template; null keeps the conversation's subject. */
  subject: string | null;
  body: string;
  /** Milliseconds since the Unix epoch. */
  updated_at: number;
}

/** A canned response filled in for one conversation. */
export interface FilledResponse {
  /** Null when the response has no subject. */
  subject: string | null;
  body: string;
}

export function listCannedResponses(): Promise<CannedResponse[]> {
  return request<CannedResponse[]>('GET', '/email/canned-responses');
}

export function renderCannedResponse(conversation: string, name: string): Promise<FilledResponse> {
  return request<FilledResponse>('POST', `${conversationPath(conversation)}/canned-responses/${encodeURIComponent(name)}/render`);
}

/** One sender check as the mail server reported it. */
export interface SenderCheck { result: string; domain?: string | null }

/** SPF, DKIM and DMARC on a customer's message, from its mail server's report (null: none). */
export interface SenderAuthentication {
  server: string;
  trusted: boolean;
  spf?: SenderCheck | null;
  dkim?: SenderCheck | null;
  dmarc?: SenderCheck | null;
}

export function messageAuthentication(conversation: string, message: string): Promise<SenderAuthentication | null> {
  const path = `${conversationPath(conversation)}/messages/${encodeURIComponent(message)}/authentication`;
  return request<SenderAuthentication | null>('GET', path);
}

/** The message's HTML body as a sanitised page for a sandboxed frame; `remote` loads its
 * remote images too (only after the agent asks). */
export function messageHtmlUrl(conversation: string, message: string, remote: boolean): string {
  const base = `${conversationPath(conversation)}/messages/${encodeURIComponent(message)}/html`;
  return `${BASE}${base}${remote ? '?remote=true' : ''}`;
}

export function attachmentUrl(conversationId: string, message: string, index: number): string {
  return `${BASE}${conversationPath(conversationId)}/messages/${encodeURIComponent(message)}/attachments/${index}`;
}

/** Takes (`accept`) or declines (`reject`) the conversation offered to the agent. */
export function answerEmailOffer(id: string, answer: 'accept' | 'reject'): Promise<void> {
  return request<void>('POST', `${conversationPath(id)}/${answer}`);
}

/** Sends a reply to the customer; 502 carries the mail server's refusal. */
export function replyToConversation(id: string, body: ReplyRequest): Promise<ConversationMessage> {
  return request<ConversationMessage>('POST', `${conversationPath(id)}/reply`, body);
}

/** Forwards the customer's last message (attached whole) to other addresses. */
export function forwardConversation(id: string, to: string[], text: string): Promise<ConversationMessage> {
  return request<ConversationMessage>('POST', `${conversationPath(id)}/forward`, { to, text });
}

/** Adds an internal note (never sent to the customer). */
export function addConversationNote(id: string, text: string): Promise<ConversationMessage> {
  return request<ConversationMessage>('POST', `${conversationPath(id)}/notes`, { text });
}

/** Passes the conversation to another email queue, by name. */
/** Where a conversation is passed: an email queue by name, or an agent by user id. */
export type ConversationTarget = { queue: string } | { agent: string };

export function transferConversation(id: string, to: ConversationTarget): Promise<Conversation> {
  return request<Conversation>('POST', `${conversationPath(id)}/transfer`, to);
}

export function closeConversation(id: string): Promise<Conversation> {
  return request<Conversation>('POST', `${conversationPath(id)}/close`);
}

/** The tenant's other agents with their states, its voice queues and its email queues. */
export function directory(): Promise<Directory> {
  return request<Directory>('GET', '/me/directory');
}

export function sendDtmf(id: string, digits: string): Promise<void> {
  return request<void>('POST', `/calls/${encodeURIComponent(id)}/dtmf`, { digits });
}

/** Records the disposition and notes of the call the agent just handled. */
/** What the after-contact work was about: a call, or an email conversation (or neither). */
export interface WorkDone { call: string | null; conversation: string | null; queue: string | null }

export function wrapUp(work: WorkDone, disposition: string, notes: string): Promise<void> {
  const { call, conversation, queue } = work;
  return request<void>('POST', '/me/wrap-up', { call, conversation, queue, disposition, notes });
}

export function softphoneCredentials(): Promise<SoftphoneCredentials> {
  return request<SoftphoneCredentials>('POST', '/me/softphone');
}

/** Where the agent's calls ring (the softphone unless they chose a number). */
export function myDevice(): Promise<Device> {
  return request<Device>('GET', '/me/device');
}

/** A number as the agent typed it: the server answers with it in E.164, or 400 with the reason. */
export function setMyDevice(device: Device): Promise<Device> {
  return request<Device>('PUT', '/me/device', device);
}

/** The text to show for an error of any kind. */
export function describe(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
