// The agent's persistent line: one call from the softphone to `*line` that stays up while the
// console is open (one WebRTC leg per logged-in agent). Offers ring on it with no INVITE: the
// console learns of them from its live call list, answers or declines them through the API, and
// the caller is connected to the line at once, with no ICE or DTLS set-up per call. The server
// falls back to ringing the softphone with an INVITE while the line is down.
import type * as JsSIP from 'jssip';
import type { RTCSession } from 'jssip/lib/RTCSession';
import { callAction, describe } from '../api/client';
import type { ConsoleCall } from '../api/types';
import { type CallEvents, CallState, type PhoneCall, receiverStream } from './call';

/** The user part the line calls (`LINE_USER` on the server). */
export const LINE_USER = '*line';

export type LineStatus = 'down' | 'opening' | 'up';

export interface LineEvents {
  changed(): void;
}

/** The line's JsSIP session, its remote audio and its microphone switch. */
export class Line {
  private session: RTCSession | null = null;
  status: LineStatus = 'down';
  stream: MediaStream | null = null;
  /** Why the line last went down, until it is up again. */
  problem: string | null = null;

  constructor(private readonly on: LineEvents) {}

  /** Calls `*line` through `ua` (registered in `realm`), unless the line is up or opening. */
  open(ua: JsSIP.UA, realm: string): void {
    if (this.status !== 'down') return;
    let session: RTCSession;
    try {
      session = ua.call(`sip:${LINE_USER}@${realm}`, { mediaConstraints: { audio: true, video: false } });
    } catch (e) {
      this.down(`cannot open the line: ${describe(e)}`);
      return;
    }
    this.session = session;
    this.set('opening');
    // JsSIP creates the peer connection inside `ua.call`, before we could listen for it.
    session.connection?.addEventListener('track', (ev) => {
      if (this.session !== session) return;
      this.stream = ev.streams[0] ?? new MediaStream([ev.track]);
      this.on.changed();
    });
    // Up once media flows (ICE and DTLS-SRTP done), as the server lists the line then too.
    const pc = session.connection;
    const connected = () => {
      if (this.session !== session || this.status === 'up' || pc?.connectionState !== 'connected') return;
      this.stream ??= receiverStream(session);
      this.set('up');
    };
    pc?.addEventListener('connectionstatechange', connected);
    session.on('confirmed', connected);
    session.on('ended', (e) => this.sessionEnded(session, `the line ended (${e.cause})`));
    session.on('failed', (e) => this.sessionEnded(session, `the line could not open (${e.cause})`));
  }

  close(): void {
    const session = this.session;
    this.session = null;
    this.stream = null;
    this.status = 'down';
    if (session && !session.isEnded()) {
      try {
        session.terminate();
      } catch {
        // Already ending.
      }
    }
  }

  setMuted(muted: boolean): void {
    const pc = this.session?.connection;
    if (!pc) return;
    for (const sender of pc.getSenders()) {
      if (sender.track?.kind === 'audio') sender.track.enabled = !muted;
    }
  }

  private sessionEnded(session: RTCSession, why: string): void {
    if (this.session !== session) return;
    this.session = null;
    this.stream = null;
    this.down(why);
  }

  private down(why: string): void {
    this.problem = why;
    this.set('down');
  }

  private set(status: LineStatus): void {
    this.status = status;
    if (status === 'up') this.problem = null;
    this.on.changed();
  }
}

/**
 * A call offered on the line (or a consultation of another agent's call ringing on it): ringing
 * until answered or declined through the API, connected while the live call list shows it ours
 * (or us consulted), ended when it leaves the list.
 */
export class LineCall extends CallState implements PhoneCall {
  /** Consulted on another agent's call (not holding it). */
  private consultee = false;

  /** `since`: a call re-attached to the line (connected already, answered then). */
  constructor(
    offer: ConsoleCall,
    private readonly line: Line,
    on: CallEvents,
    since?: number | null,
  ) {
    const reattached = since !== undefined;
    super(
      {
        callId: offer.id,
        fromUser: offer.caller,
        outgoing: false,
        reattach: reattached,
        displayName: '',
        status: reattached ? 'connected' : 'ringing',
        offeredAt: Date.now(),
        answeredAt: reattached ? (since ?? Date.now()) : null,
        muted: false,
        remoteStream: line.stream,
      },
      on,
    );
  }

  get id(): string {
    return this.info.callId ?? '';
  }

  answer(): void {
    if (this.info.status !== 'ringing') return;
    this.update({ status: 'connecting' });
    callAction(this.id, 'answer').catch((e: unknown) => this.finish(`could not answer: ${describe(e)}`));
  }

  reject(): void {
    if (this.info.status !== 'ringing') return;
    void callAction(this.id, 'reject').catch(() => undefined);
    this.finish('Rejected');
  }

  /**
   * The agent's own call is hung up by the server (the `hangup` action the console sends), and
   * the line stays. A consulted agent leaves the consultation here (`hangup` on their side).
   */
  hangup(): void {
    if (this.consultee) void callAction(this.id, 'hangup').catch(() => undefined);
  }

  setMuted(muted: boolean): void {
    this.line.setMuted(muted);
    this.update({ muted });
  }

  /** Follows the live call list: `mine` is the call as listed (null once it is gone). */
  sync(mine: ConsoleCall | null, agentId: string): void {
    if (!mine) {
      this.finish(this.info.status === 'connected' ? 'Terminated' : 'Canceled');
      return;
    }
    const consulted = mine.agent !== agentId && mine.consult?.agent === agentId;
    this.consultee = consulted;
    const talking = mine.agent === agentId || (consulted && mine.consult?.state !== 'ringing');
    if (talking && this.info.status !== 'connected') {
      this.update({ status: 'connected', answeredAt: Date.now(), remoteStream: this.line.stream });
    } else if (mine.agent !== agentId && mine.offered_to !== agentId && !consulted) {
      this.finish(this.info.status === 'connected' ? 'Transferred' : 'Canceled');
    }
  }

  protected finish(cause: string): void {
    // The line's microphone is on again for the next call.
    if (!this.done) this.line.setMuted(false);
    super.finish(cause);
  }
}
