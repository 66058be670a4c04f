// The browser softphone: a JsSIP user agent registered with short-lived credentials, and the
// incoming call it rings with. The UI reads `state` and calls the methods; nothing here knows
// React. Nothing ends the call when the page unloads (no BYE on a reload): the server keeps the
// caller, and the reloaded page asks for the call again (`reattach`).
import * as JsSIP from 'jssip';
import type { IncomingRTCSessionEvent, RTCSessionEvent, RegistrationFailedListener } from 'jssip/lib/UA';
import { callAction, describe } from '../api/client';
import type { ConsoleCall, SoftphoneCredentials } from '../api/types';
import { type CallInfo, type PhoneCall, SoftphoneCall, callIdOf } from './call';
import { fetchCredentials, refreshDelayMs } from './credentials';
import { Line, LineCall, type LineStatus } from './line';
import { Ringer } from './ringer';

export type RegStatus =
  | { kind: 'registering'; message: string }
  | { kind: 'registered'; message: string }
  | { kind: 'failed'; message: string };

/** Getting the agent's live call back after a page reload; `error` null while waiting for it. */
export interface ReattachStatus {
  callId: string;
  error: string | null;
}

export interface PhoneState {
  reg: RegStatus;
  call: CallInfo | null;
  /** Why the last call ended, until the next one rings. */
  lastEnded: string | null;
  autoAccept: boolean;
  /** The last re-attach asked for, until its call connects. */
  reattach: ReattachStatus | null;
  /** The agent's persistent line (offers connect on it at once) and why it is down. */
  line: { status: LineStatus; problem: string | null };
}

const AUTO_ACCEPT_KEY = 'switchboard.autoAccept';
/** Registrations refused for bad credentials retried with fresh ones, in a row. */
const MAX_AUTH_RETRIES = 3;
const RETRY_MS = 10000;
/** How long a re-attach waits for the server's INVITE after the server said yes. */
const REATTACH_WAIT_MS = 20000;

function storedAutoAccept(): boolean {
  try {
    return window.localStorage.getItem(AUTO_ACCEPT_KEY) === 'true';
  } catch {
    return false;
  }
}

export class Softphone {
  private ua: JsSIP.UA | null = null;
  private creds: SoftphoneCredentials | null = null;
  private call: PhoneCall | null = null;
  private readonly ringer = new Ringer();
  private readonly line = new Line({ changed: () => this.lineChanged() });
  private lineTimer: number | undefined;
  /** Offers on the line already shown, while listed (a declined one may stay a moment). */
  private readonly lineOffers = new Set<string>();
  private readonly listeners = new Set<() => void>();
  private authRetries = 0;
  private refreshTimer: number | undefined;
  private retryTimer: number | undefined;
  private reattachTimer: number | undefined;
  /** The call asked for by `reattach` and when the agent first answered it. */
  private reattaching: { id: string; since: number | null } | null = null;
  private stopped = false;
  /** Bumped by start and stop so that a late answer of an older start is dropped. */
  private generation = 0;
  state: PhoneState = {
    reg: { kind: 'registering', message: 'fetching softphone credentials' },
    call: null,
    lastEnded: null,
    autoAccept: storedAutoAccept(),
    reattach: null,
    line: { status: 'down', problem: null },
  };

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getState = (): PhoneState => this.state;

  async start(): Promise<void> {
    this.stopped = false;
    const generation = ++this.generation;
    try {
      const creds = await fetchCredentials();
      if (this.stopped || generation !== this.generation) return;
      this.creds = creds;
      this.createUa(creds);
      this.scheduleRefresh(creds);
    } catch (e) {
      if (generation !== this.generation) return;
      this.setReg('failed', `cannot get softphone credentials: ${describe(e)}`);
      this.retryLater(() => void this.start());
    }
  }

  stop(): void {
    this.stopped = true;
    this.generation += 1;
    window.clearTimeout(this.refreshTimer);
    window.clearTimeout(this.retryTimer);
    window.clearTimeout(this.reattachTimer);
    window.clearTimeout(this.lineTimer);
    this.ringer.stop();
    this.call?.hangup();
    this.line.close();
    const ua = this.ua;
    this.ua = null;
    ua?.stop();
  }

  answer(): void {
    this.ringer.stop();
    try {
      this.call?.answer();
    } catch (e) {
      this.patch({ lastEnded: `could not answer: ${describe(e)}` });
    }
  }

  reject(): void {
    this.ringer.stop();
    this.call?.reject();
  }

  /** Calls `number` through the tenant's trunk; an error says why it cannot. */
  dial(number: string): void {
    const target = number.replace(/[\s().-]/g, '');
    if (!/^\+?[0-9*#]{2,32}$/.test(target)) throw new Error('enter a phone number');
    if (!this.ua || !this.creds || this.state.reg.kind !== 'registered') {
      throw new Error('the softphone is not registered');
    }
    if (this.call) throw new Error('end the current call first');
    const session = this.ua.call(`sip:${target}@${this.creds.realm}`, {
      mediaConstraints: { audio: true, video: false },
    });
    const call = new SoftphoneCall(session, null, {
      changed: (info) => {
        if (this.call === call) this.patch({ call: info });
      },
      ended: (cause) => this.callEnded(call, cause),
    }, { dialled: target });
    this.call = call;
    this.patch({ call: call.current, lastEnded: null });
  }

  /**
   * Gets the agent's live call `live` back after a page reload (its leg died with the previous
   * page): onto the line at once when it is open, else the server rings this softphone again
   * and the INVITE is answered on arrival. `since`: when the agent first answered it, for the
   * call timer.
   */
  async reattach(live: ConsoleCall, since: number | null): Promise<void> {
    const id = live.id;
    window.clearTimeout(this.reattachTimer);
    this.reattaching = { id, since };
    this.patch({ reattach: { callId: id, error: null } });
    if (this.line.status === 'up' && !this.call && (await this.reattachToLine(live, since))) return;
    try {
      await callAction(id, 'reattach');
    } catch (e) {
      if (!this.stopped) this.reattachFailed(id, describe(e));
      return;
    }
    if (this.stopped || this.state.reattach?.callId !== id || this.state.reattach.error !== null) return;
    this.reattachTimer = window.setTimeout(() => {
      if (!this.call) this.reattachFailed(id, 'the call did not reach the softphone');
    }, REATTACH_WAIT_MS);
  }

  /** Connects `live` to the open line; false when the server cannot (no free line). */
  private async reattachToLine(live: ConsoleCall, since: number | null): Promise<boolean> {
    try {
      await callAction(live.id, 'reattach_line');
    } catch {
      return false;
    }
    if (this.stopped || this.call) return true;
    this.takeLineCall(live, since);
    this.patch({ reattach: null });
    return true;
  }

  /** A call on the line becomes the softphone's call (`since`: re-attached, answered then). */
  private takeLineCall(c: ConsoleCall, since?: number | null): LineCall {
    const call: LineCall = new LineCall(c, this.line, {
      changed: (info) => {
        if (this.call === call) this.patch({ call: info });
      },
      ended: (cause) => this.callEnded(call, cause),
    }, since);
    this.call = call;
    this.patch({ call: call.current, lastEnded: null });
    return call;
  }

  /** Ends the SIP side of the call. */
  hangup(): void {
    this.call?.hangup();
  }

  setMuted(muted: boolean): void {
    this.call?.setMuted(muted);
  }

  setAutoAccept(on: boolean): void {
    try {
      window.localStorage.setItem(AUTO_ACCEPT_KEY, on ? 'true' : 'false');
    } catch {
      // Storage refused (private mode): the choice lasts for this page only.
    }
    this.patch({ autoAccept: on });
  }

  private createUa(c: SoftphoneCredentials): void {
    let ua: JsSIP.UA;
    try {
      const socket = new JsSIP.WebSocketInterface(c.ws_url);
      ua = new JsSIP.UA({
        sockets: [socket],
        uri: c.uri,
        authorization_user: c.username,
        password: c.password,
        realm: c.realm || undefined,
        register: true,
        session_timers: false,
        user_agent: 'Switchboard agent console',
      });
    } catch (e) {
      this.setReg('failed', `cannot start the softphone: ${describe(e)}`);
      return;
    }
    this.ua = ua;
    ua.on('connecting', () => this.setReg('registering', `connecting to ${c.ws_url}`));
    ua.on('connected', () => this.setReg('registering', 'registering'));
    ua.on('disconnected', () => this.setReg('failed', `cannot reach the SIP server at ${c.ws_url}; retrying`));
    ua.on('registered', () => {
      this.authRetries = 0;
      this.setReg('registered', `registered as ${c.uri}`);
      this.openLine();
    });
    ua.on('unregistered', () => {
      if (!this.stopped) this.setReg('registering', 'registration ended; registering again');
    });
    ua.on('registrationFailed', this.registrationFailed);
    ua.on('newRTCSession', (e: RTCSessionEvent) => this.newSession(e));
    ua.start();
  }

  private registrationFailed: RegistrationFailedListener = (e) => {
    const status = e.response?.status_code;
    const why = status ? `${status} ${e.response.reason_phrase ?? ''}`.trim() : String(e.cause ?? 'no answer');
    if ((status === 401 || status === 403 || status === 407) && this.authRetries < MAX_AUTH_RETRIES) {
      this.authRetries += 1;
      this.setReg('registering', `registration refused (${why}); fetching new credentials`);
      void this.renewCredentials(true);
      return;
    }
    this.setReg('failed', `registration failed: ${why}`);
    this.retryLater(() => this.ua?.register());
  };

  /** New credentials for the running user agent; `register` sends a REGISTER at once. */
  private async renewCredentials(register: boolean): Promise<void> {
    try {
      const c = await fetchCredentials();
      if (this.stopped) return;
      const ua = this.ua;
      const same = this.creds && ua && c.uri === this.creds.uri && c.ws_url === this.creds.ws_url;
      this.creds = c;
      this.scheduleRefresh(c);
      if (same && ua) {
        ua.set('authorization_user', c.username);
        ua.set('password', c.password);
        if (register) ua.register();
      } else if (!this.call) {
        this.ua?.stop();
        this.createUa(c);
      }
    } catch (e) {
      this.setReg('failed', `cannot renew softphone credentials: ${describe(e)}`);
      this.retryLater(() => void this.renewCredentials(true));
    }
  }

  private scheduleRefresh(c: SoftphoneCredentials): void {
    window.clearTimeout(this.refreshTimer);
    this.refreshTimer = window.setTimeout(() => void this.renewCredentials(false), refreshDelayMs(c));
  }

  private retryLater(fn: () => void): void {
    window.clearTimeout(this.retryTimer);
    this.retryTimer = window.setTimeout(() => {
      if (!this.stopped) fn();
    }, RETRY_MS);
  }

  private newSession(ev: RTCSessionEvent): void {
    if ((ev.originator as string) !== 'remote') return;
    const e = ev as IncomingRTCSessionEvent;
    if (this.call) {
      e.session.terminate({ status_code: 486 });
      return;
    }
    const id = callIdOf(e.request);
    const since = id !== null && this.reattaching?.id === id ? this.reattaching.since : null;
    const call = new SoftphoneCall(e.session, e.request, {
      changed: (info) => {
        if (this.call !== call) return;
        const done = info.reattach && info.status === 'connected' && this.state.reattach?.callId === info.callId;
        this.patch(done ? { call: info, reattach: null } : { call: info });
      },
      ended: (cause) => this.callEnded(call, cause),
    }, { since });
    this.call = call;
    this.patch({ call: call.current, lastEnded: null });
    if (call.current.reattach) {
      // Our own call coming back: no ring, no offer, whatever the auto-accept setting.
      window.clearTimeout(this.reattachTimer);
      this.answer();
    } else if (this.state.autoAccept || answerAsked(e.request)) {
      // The agent answered from the console or the API (`Answer-Mode: Auto`, RFC 5373).
      this.answer();
    } else {
      this.ringer.start();
    }
  }

  /**
   * Follows the live call list for the line: an offer to the agent, or a consultation of them,
   * rings on it (when `enabled`: calls ring this browser), and a call on it ends when it leaves
   * the list.
   */
  syncLine(calls: ConsoleCall[], agentId: string, enabled: boolean): void {
    // An offer that left the list may ring again later (offered anew after a decline).
    for (const id of this.lineOffers) {
      if (!calls.some((c) => c.id === id)) this.lineOffers.delete(id);
    }
    const current = this.call;
    if (current instanceof LineCall) {
      current.sync(calls.find((c) => c.id === current.id) ?? null, agentId);
      return;
    }
    if (current || !enabled || this.line.status !== 'up') return;
    const rings = (c: ConsoleCall) =>
      (c.offered_to === agentId && c.state === 'ringing') ||
      (c.agent !== agentId && c.consult?.agent === agentId && c.consult.state === 'ringing');
    const offer = calls.find((c) => rings(c) && !this.lineOffers.has(c.id));
    if (!offer) return;
    this.lineOffers.add(offer.id);
    this.takeLineCall(offer);
    if (this.state.autoAccept) this.answer();
    else this.ringer.start();
  }

  /** Opens the line once registered; a line that went down is opened again later. */
  private openLine(): void {
    window.clearTimeout(this.lineTimer);
    if (this.stopped || !this.ua || !this.creds || this.state.reg.kind !== 'registered') return;
    this.line.open(this.ua, this.creds.realm);
  }

  private lineChanged(): void {
    const { status, problem } = this.line;
    this.patch({ line: { status, problem } });
    if (status === 'down' && !this.stopped) {
      window.clearTimeout(this.lineTimer);
      this.lineTimer = window.setTimeout(() => this.openLine(), RETRY_MS);
    }
  }

  private callEnded(call: PhoneCall, cause: string): void {
    if (this.call !== call) return;
    this.call = null;
    this.ringer.stop();
    const info = call.current;
    const lost = info.reattach && info.status !== 'connected' && this.state.reattach?.callId === info.callId;
    this.patch({ call: null, lastEnded: cause });
    if (lost && info.callId) this.reattachFailed(info.callId, `the call did not connect (${cause})`);
  }

  private reattachFailed(id: string, error: string): void {
    if (this.state.reattach?.callId !== id) return;
    this.patch({ reattach: { callId: id, error } });
  }

  private setReg(kind: RegStatus['kind'], message: string): void {
    this.patch({ reg: { kind, message } });
  }

  private patch(p: Partial<PhoneState>): void {
    this.state = { ...this.state, ...p };
    for (const l of this.listeners) l();
  }
}

/** The server asks the phone to answer by itself: the agent answered elsewhere. */
function answerAsked(request: IncomingRTCSessionEvent['request']): boolean {
  return request?.getHeader('Answer-Mode')?.trim().toLowerCase() === 'auto';
}
