// One call on the softphone: a JsSIP session from offer (or dialling) to end.
import type { RTCSession } from 'jssip/lib/RTCSession';
import type { IncomingRequest } from 'jssip/lib/SIPMessage';

export type CallStatus = 'ringing' | 'dialing' | 'connecting' | 'connected';

/** What the UI sees of the softphone's call. */
export interface CallInfo {
  /** Switchboard's call id from the INVITE's `X-Switchboard-Call` header, if present. */
  callId: string | null;
  /** The other party's number: the From user of an offer, the dialled number of our call. */
  fromUser: string;
  /** We dialled it. */
  outgoing: boolean;
  /** The server rang us again with our live call after a page reload (`X-Switchboard-Reattach: 1`). */
  reattach: boolean;
  displayName: string;
  status: CallStatus;
  /** `Date.now()` when the INVITE arrived / when the call was connected (a re-attached call:
   * when the agent first answered it, on the page before the reload). */
  offeredAt: number;
  answeredAt: number | null;
  muted: boolean;
  remoteStream: MediaStream | null;
}

/** What the softphone does with its call: one of its own INVITE, or one on the agent's line. */
export interface PhoneCall {
  readonly current: CallInfo;
  answer(): void;
  reject(): void;
  /** Ends our side (the SIP dialog of a call of its own; nothing for a call on the line). */
  hangup(): void;
  setMuted(muted: boolean): void;
}

export const CALL_ID_HEADER = 'X-Switchboard-Call';
export const REATTACH_HEADER = 'X-Switchboard-Reattach';

export interface CallOptions {
  /** The number we dial (our own call). */
  dialled?: string;
  /** A re-attached call's `answeredAt` (ignored for other calls). */
  since?: number | null;
}

export interface CallEvents {
  changed(info: CallInfo): void;
  ended(cause: string): void;
}

/** What every kind of call keeps: the info the UI reads, changed until the call ends. */
export abstract class CallState {
  protected info: CallInfo;
  protected done = false;

  protected constructor(
    info: CallInfo,
    private readonly on: CallEvents,
  ) {
    this.info = info;
  }

  get current(): CallInfo {
    return this.info;
  }

  protected finish(cause: string): void {
    if (this.done) return;
    this.done = true;
    this.on.ended(cause);
  }

  protected update(patch: Partial<CallInfo>): void {
    if (this.done) return;
    this.info = { ...this.info, ...patch };
    this.on.changed(this.info);
  }
}

export class SoftphoneCall extends CallState implements PhoneCall {
  readonly session: RTCSession;
  private readonly since: number | null;

  /** An offer (`request` is its INVITE), or our call to `opts.dialled` when `request` is null. */
  constructor(session: RTCSession, request: IncomingRequest | null, on: CallEvents, opts: CallOptions = {}) {
    const remote = session.remote_identity;
    super(
      {
        callId: callIdOf(request),
        fromUser: request ? (remote?.uri?.user ?? '') : (opts.dialled ?? ''),
        outgoing: request === null,
        reattach: request?.getHeader(REATTACH_HEADER)?.trim() === '1',
        displayName: request ? (remote?.display_name ?? '') : '',
        status: request ? 'ringing' : 'dialing',
        offeredAt: Date.now(),
        answeredAt: null,
        muted: false,
        remoteStream: null,
      },
      on,
    );
    this.session = session;
    this.since = this.info.reattach ? (opts.since ?? null) : null;
    this.listen();
  }

  answer(): void {
    if (this.info.status !== 'ringing') return;
    this.update({ status: 'connecting' });
    this.session.answer({ mediaConstraints: { audio: true, video: false } });
  }

  reject(): void {
    this.end(486);
  }

  /** Ends the SIP dialog (after the server was asked to hang up, or alone). */
  hangup(): void {
    this.end(undefined);
  }

  setMuted(muted: boolean): void {
    const pc = this.session.connection;
    if (!pc) return;
    for (const sender of pc.getSenders()) {
      if (sender.track?.kind === 'audio') sender.track.enabled = !muted;
    }
    this.update({ muted });
  }

  private end(status: number | undefined): void {
    if (this.done || this.session.isEnded()) return;
    try {
      this.session.terminate(status === undefined ? undefined : { status_code: status });
    } catch (e) {
      console.warn('terminate failed', e);
    }
  }

  private listen(): void {
    const s = this.session;
    s.on('peerconnection', (e) => this.watchTracks(e.peerconnection));
    s.on('accepted', () => this.connected());
    s.on('confirmed', () => this.connected());
    s.on('ended', (e) => this.finish(e.cause));
    s.on('failed', (e) => this.finish(e.cause));
    s.on('getusermediafailed', (e: unknown) => {
      console.warn('getUserMedia failed while answering', e);
    });
  }

  private watchTracks(pc: RTCPeerConnection): void {
    pc.addEventListener('track', (ev) => {
      const stream = ev.streams[0] ?? new MediaStream([ev.track]);
      this.update({ remoteStream: stream });
    });
  }

  private connected(): void {
    if (this.info.status === 'connected') return;
    const answeredAt = this.since ?? Date.now();
    const remoteStream = this.info.remoteStream ?? receiverStream(this.session);
    this.update({ status: 'connected', answeredAt, remoteStream });
  }

}

/** The remote audio of `session` from its receivers (when the `track` event came before we
 * listened). */
export function receiverStream(session: RTCSession): MediaStream | null {
  const tracks = session.connection?.getReceivers().map((r) => r.track).filter((t) => t.kind === 'audio') ?? [];
  return tracks.length > 0 ? new MediaStream(tracks) : null;
}

/** Switchboard's call id from an INVITE's header; null for our own call or without one. */
export function callIdOf(request: IncomingRequest | null): string | null {
  const header = request?.getHeader(CALL_ID_HEADER)?.trim();
  return header ? header : null;
}
