// Checks a console WebSocket message before the UI trusts it.
import type {
  ConsoleCall,
  ConsoleMessage,
  ConsoleSnapshot,
  ConsultView,
  EmailOffer,
  QueueGlance,
  VoicemailOffer,
} from '../api/types';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function attributes(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isObj(v)) return out;
  for (const [k, val] of Object.entries(v)) {
    if (typeof val === 'string') out[k] = val;
    else if (typeof val === 'number' || typeof val === 'boolean') out[k] = String(val);
  }
  return out;
}

const CONSULT_STATES: ConsultView['state'][] = ['ringing', 'talking', 'conference'];

/** An unknown state counts as ringing: nothing is offered that needs the target to answer. */
function consult(v: unknown): ConsultView | null {
  if (!isObj(v) || typeof v.to !== 'string') return null;
  return {
    to: v.to,
    kind: v.kind === 'number' ? 'number' : 'agent',
    state: CONSULT_STATES.find((s) => s === v.state) ?? 'ringing',
    agent: typeof v.agent === 'string' ? v.agent : null,
  };
}

type Quality = ConsoleCall['quality'][number];

const LEVELS = ['good', 'fair', 'poor'];

function quality(v: unknown): Quality[] {
  if (!Array.isArray(v)) return [];
  return v.flatMap((q): Quality[] => {
    if (!isObj(q) || typeof q.leg !== 'string' || typeof q.mos !== 'number') return [];
    return [{
      leg: q.leg,
      level: LEVELS.find((l) => l === q.level) ?? 'poor',
      mos: q.mos,
      loss_percent: typeof q.loss_percent === 'number' ? q.loss_percent : 0,
      jitter_ms: typeof q.jitter_ms === 'number' ? q.jitter_ms : 0,
      rtt_ms: typeof q.rtt_ms === 'number' ? q.rtt_ms : null,
    }];
  });
}

function call(v: unknown): ConsoleCall | null {
  if (!isObj(v) || typeof v.id !== 'string') return null;
  return {
    id: v.id,
    direction: typeof v.direction === 'string' ? v.direction : 'inbound',
    number: typeof v.number === 'string' ? v.number : '',
    caller: typeof v.caller === 'string' ? v.caller : '',
    agent: typeof v.agent === 'string' ? v.agent : null,
    state: typeof v.state === 'string' ? v.state : '',
    started_at: typeof v.started_at === 'number' ? v.started_at : 0,
    recording: v.recording === true,
    queue: typeof v.queue === 'string' ? v.queue : null,
    queued_at: typeof v.queued_at === 'number' ? v.queued_at : null,
    offered_to: typeof v.offered_to === 'string' ? v.offered_to : null,
    screen_pop: attributes(v.screen_pop),
    consult: consult(v.consult),
    quality: quality(v.quality),
  };
}

function snapshot(v: Obj): ConsoleSnapshot | string {
  const a = v.agent;
  if (!isObj(a) || typeof a.state !== 'string' || typeof a.since !== 'number') {
    return 'snapshot without a valid agent state';
  }
  const calls = Array.isArray(v.calls) ? v.calls.map(call) : [];
  return {
    type: 'snapshot',
    agent: a as unknown as ConsoleSnapshot['agent'],
    calls: calls.filter((c): c is ConsoleCall => c !== null),
    reason_codes: strings(v.reason_codes),
    notice: typeof v.notice === 'string' && v.notice !== '' ? v.notice : null,
    queues: Array.isArray(v.queues) ? v.queues.map(glance).filter((q): q is QueueGlance => q !== null) : [],
    voicemail_offer: voicemailOffer(v.voicemail_offer),
    voicemails_held: strings(v.voicemails_held),
    // Absent from servers without the email channel.
    email_offers: Array.isArray(v.email_offers)
      ? v.email_offers.map(emailOffer).filter((o): o is EmailOffer => o !== null)
      : [],
    emails_held: strings(v.emails_held),
  };
}

function emailOffer(v: unknown): EmailOffer | null {
  if (!isObj(v) || typeof v.conversation !== 'string' || v.conversation === '') return null;
  const num = (x: unknown) => (typeof x === 'number' && x >= 0 ? x : 0);
  const text = (x: unknown) => (typeof x === 'string' ? x : '');
  return {
    conversation: v.conversation,
    queue: text(v.queue),
    queue_name: text(v.queue_name),
    customer: text(v.customer),
    subject: text(v.subject),
    waiting_since: num(v.waiting_since),
    expires_at: num(v.expires_at),
  };
}

function voicemailOffer(v: unknown): VoicemailOffer | null {
  if (!isObj(v) || typeof v.voicemail !== 'string' || v.voicemail === '') return null;
  const num = (x: unknown) => (typeof x === 'number' && x >= 0 ? x : 0);
  return {
    voicemail: v.voicemail,
    mailbox: typeof v.mailbox === 'string' ? v.mailbox : '',
    caller: typeof v.caller === 'string' ? v.caller : '',
    duration_ms: num(v.duration_ms),
    received_at: num(v.received_at),
    expires_at: num(v.expires_at),
  };
}

function glance(v: unknown): QueueGlance | null {
  if (!isObj(v) || typeof v.name !== 'string') return null;
  const count = (x: unknown) => (typeof x === 'number' && x >= 0 ? x : 0);
  return {
    name: v.name,
    waiting: count(v.waiting),
    staffed: count(v.staffed),
    oldest_at: typeof v.oldest_at === 'number' ? v.oldest_at : null,
    dispositions: {
      codes: isObj(v.dispositions) ? strings(v.dispositions.codes) : [],
      required: isObj(v.dispositions) && v.dispositions.required === true,
    },
    screen_pop_url:
      typeof v.screen_pop_url === 'string' && /^https?:\/\//.test(v.screen_pop_url) ? v.screen_pop_url : null,
    wrap_up_secs: count(v.wrap_up_secs),
  };
}

/** The message, or the reason it is not one we understand. */
export function parseMessage(text: string): ConsoleMessage | string {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  if (!isObj(v)) return 'not a JSON object';
  if (v.type === 'ping') return { type: 'ping' };
  if (v.type === 'snapshot') return snapshot(v);
  return `unknown message type ${JSON.stringify(v.type)}`;
}
