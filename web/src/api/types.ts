// Types of the API. Those in the OpenAPI document come from `schema.d.ts`; the console
// WebSocket's messages (not described by OpenAPI) are written here.
import type { components } from './schema';

type Schemas = components['schemas'];

export type Me = Schemas['MeView'];
export type AgentState = Schemas['AgentStateView'];
export type CallView = Schemas['CallView'];
/** One earlier interaction of a contact (`GET /contacts/history`). */
export type HistoryEntry = Schemas['HistoryEntry'];
/** An email conversation (`GET /conversations`). */
export type Conversation = Schemas['ConversationView'];
/** A file of a message (the OpenAPI document types the list as a bare object). */
export interface EmailAttachment {
  index: number;
  filename: string;
  content_type: string;
  size: number;
}
/** One message of a conversation, with its attachments typed. */
export type ConversationMessage = Omit<Schemas['MessageView'], 'attachments'> & { attachments: EmailAttachment[] };
/** A conversation with its messages, oldest first (`GET /conversations/{id}`). */
export interface Thread {
  conversation: Conversation;
  messages: ConversationMessage[];
}
/** The body of `POST /conversations/{id}/reply`. */
export type ReplyRequest = Schemas['ReplyBody'];
/** A file attached to a reply. */
export type OutgoingFile = Schemas['FileBody'];
/** A voicemail message of the agent's queues (`GET /voicemails`). */
export type Voicemail = Schemas['VoicemailView'];
export type WantedState = Schemas['WantedState'];
/** Transfer steps, not yet in the OpenAPI document (`POST /calls/{id}/<action>`). */
export type TransferAction = 'transfer_complete' | 'transfer_cancel' | 'conference';
/** Rings the agent's softphone again with their live call after a page reload (not yet in the OpenAPI document). */
export type ReattachAction = 'reattach';
export type CallAction = Schemas['Action'] | TransferAction | ReattachAction;

/** Every routing state the server reports. */
export type AgentStateName =
  | 'logged_out'
  | 'available'
  | 'unavailable'
  | 'reserved'
  | 'working'
  | 'wrap_up';

/** Short-lived SIP credentials for the browser softphone (`POST /me/softphone`). */
export type SoftphoneCredentials = Schemas['SoftphoneCredentials'];

/**
 * Where the agent's calls ring (`GET`/`PUT /me/device`, typed by hand until the OpenAPI document
 * has it): the browser's softphone, or their own phone number dialled through the tenant's trunk
 * (E.164 as the server stored it; the agent presses 1 to accept).
 */
export type Device = { kind: 'softphone' } | { kind: 'desk' } | { kind: 'pstn'; number: string };

/** A consultation started by the call's agent (typed by hand until the OpenAPI document has it). */
export interface ConsultView {
  /** What to show: the agent's username, or the number. */
  to: string;
  kind: 'agent' | 'number';
  state: 'ringing' | 'talking' | 'conference';
  /** The consulted agent; null for a number. */
  agent: string | null;
}

/** A call in a console snapshot: the same view as `GET /me/calls`, with its consultation. */
export type ConsoleCall = CallView & { consult?: ConsultView | null };

/** Another agent of the tenant (`GET /me/directory`). */
export interface DirectoryAgent {
  agent: string;
  username: string;
  display_name: string;
  state: AgentStateName;
  reason: string | null;
}

/** Where a call or conversation can be transferred: the tenant's other agents, its voice
 * queues and its email queues. */
export interface Directory {
  agents: DirectoryAgent[];
  queues: { name: string }[];
  email_queues: { name: string }[];
}

/** The body's `to` of `POST /calls/{id}/transfer`. */
export type TransferTarget = { agent: string } | { queue: string } | { number: string };
export type TransferMode = 'blind' | 'consult';

/** One of the agent's queues at a glance. */
export interface QueueGlance {
  name: string;
  /** Interactions waiting (not offered). */
  waiting: number;
  /** Logged-in agents eligible for it. */
  staffed: number;
  /** When the longest-waiting one arrived, milliseconds since the epoch (server clock). */
  oldest_at: number | null;
  /** What agents record after its calls (no codes: the console's defaults). */
  dispositions: { codes: string[]; required: boolean };
  /** The CRM page for its calls, with `{caller}`, `{number}`, `{queue}`, `{call}` to fill in. */
  screen_pop_url: string | null;
  /** After-call work limit in seconds (0: none); the agent is made ready when it passes. */
  wrap_up_secs: number;
}

/** What the console WebSocket sends on connect and on every change. */
export interface ConsoleSnapshot {
  type: 'snapshot';
  agent: AgentState;
  calls: ConsoleCall[];
  reason_codes: string[];
  notice: string | null;
  queues: QueueGlance[];
  /** A voicemail message offered to the agent now. */
  voicemail_offer: VoicemailOffer | null;
  /** Ids of the voicemail messages the agent has taken and not closed, oldest first. */
  voicemails_held: string[];
  /** Email conversations offered to the agent now (none from servers without email). */
  email_offers: EmailOffer[];
  /** Ids of the conversations the agent has taken and not closed or passed on. */
  emails_held: string[];
}

/** A voicemail message the ACD offers to the agent, like a call. */
export interface VoicemailOffer {
  voicemail: string;
  mailbox: string;
  caller: string;
  duration_ms: number;
  received_at: number;
  expires_at: number;
}

/** An email conversation the ACD offers to the agent (times in ms since the epoch, server clock). */
export interface EmailOffer {
  conversation: string;
  /** The queue's id. */
  queue: string;
  /** The queue's name (its after-contact work and disposition codes follow it). */
  queue_name: string;
  /** The customer's address. */
  customer: string;
  subject: string;
  waiting_since: number;
  expires_at: number;
}

export type ConsoleMessage = ConsoleSnapshot | { type: 'ping' };
