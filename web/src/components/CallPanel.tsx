import { useRef } from 'react';
import type { ConsoleCall, ConsultView, TransferAction, TransferMode, TransferTarget } from '../api/types';
import type { CallInfo } from '../softphone/call';
import { formatDuration, useNow } from '../time';
import { CallQuality } from './CallQuality';
import { ConsultBar, ConsulteeBar } from './ConsultBar';
import { DtmfPad } from './DtmfPad';
import { ScreenPopLink } from './ScreenPop';
import { TransferPanel } from './TransferPanel';

/**
 * The agent's side of the call: the softphone's call, or their own phone (PSTN device), which the
 * console knows from the snapshot only; `since` is when the console first saw that call live.
 */
export type CallLeg =
  | { kind: 'softphone'; call: CallInfo }
  | { kind: 'pstn'; call: ConsoleCall; number: string; desk: boolean; since: number | null };

export interface CallControls {
  held: boolean;
  recordingPaused: boolean;
  busy: boolean;
  error: string | null;
  /** The call's consultation, if any. */
  consult: ConsultView | null;
  /** Another agent consulted us on this call: only our own leg is ours. */
  consultee: boolean;
  /** Hold and transfer: the call's own agent, connected, no consultation going on. */
  canHold: boolean;
  canTransfer: boolean;
  transferOpen: boolean;
  /** A transfer of ours succeeded: the server ends our leg (until the next call). */
  handedOff: boolean;
  onHangup(): void;
  onHoldToggle(): void;
  onMuteToggle(): void;
  onDigit(d: string): void;
  onRecordPause(): void;
  onRecordResume(): void;
  onTransferOpen(open: boolean): void;
  onTransfer(to: TransferTarget, mode: TransferMode): void;
  onTransferAction(a: TransferAction): void;
}

function CallTimer({ from }: { from: number | null }) {
  const now = useNow();
  return <span className="call-timer" data-testid="call-timer">{from === null ? '0:00' : formatDuration(now - from)}</span>;
}

function heading(status: string, call: CallInfo | null, c: CallControls): string {
  if (status === 'connecting') return call?.reattach ? 'Reconnecting…' : call?.outgoing ? 'Calling…' : 'Connecting…';
  if (c.consultee) return 'Consultation';
  if (c.consult) return 'Consulting';
  return status === 'held' ? 'On hold' : 'On call';
}

export function CallPanel({ leg, details, c, screenPopUrl }: {
  leg: CallLeg;
  details: ConsoleCall | null;
  c: CallControls;
  screenPopUrl: string | null;
}) {
  const transferButton = useRef<HTMLButtonElement>(null);
  // The softphone's call; null on the agent's phone, which is live while the snapshot lists it.
  const call = leg.kind === 'softphone' ? leg.call : null;
  const connected = call ? call.status === 'connected' : true;
  const since = leg.kind === 'softphone' ? leg.call.answeredAt : leg.since;
  const status = !connected ? 'connecting' : c.held ? 'held' : 'connected';
  const recording = details?.recording ?? false;
  const mine = !c.consultee;
  const closeTransfer = () => {
    c.onTransferOpen(false);
    transferButton.current?.focus();
  };
  return (
    <section className="panel call-panel" data-testid="call-panel" data-status={status}
      data-role={mine ? 'agent' : 'consultee'} data-reattached={call?.reattach ?? false} data-device={leg.kind}
      aria-label="Current call">
      <div className="call-head">
        <div>
          <h2>{heading(status, call, c)}</h2>
          <p className="caller" data-testid="call-caller">
            {call?.outgoing ? call.fromUser : details?.caller || call?.fromUser || 'unknown caller'}
          </p>
          {leg.kind === 'pstn' && (
            <p className="muted" data-testid="call-device">{leg.desk ? 'On your desk phone' : `On your phone ${leg.number}`}</p>
          )}
          {details?.queue && <p className="muted">Queue {details.queue}</p>}
          <ScreenPopLink template={screenPopUrl} call={details} />
        </div>
        <div className="call-side">
          <CallTimer from={since} />
          <CallQuality details={details} />
        </div>
      </div>
      <div className="call-actions">
        {call && (
          <button type="button" data-testid="call-mute" aria-pressed={call.muted} disabled={!connected}
            onClick={c.onMuteToggle} title="Mute / unmute your microphone (Alt+M)">
            {call.muted ? 'Unmute' : 'Mute'}
          </button>
        )}
        <button type="button" data-testid="call-hold" aria-pressed={c.held} disabled={!c.canHold || c.busy}
          onClick={c.onHoldToggle} title="Hold / resume; the caller hears music on hold (Alt+O)">
          {c.held ? 'Resume' : 'Hold'}
        </button>
        <button ref={transferButton} type="button" data-testid="call-transfer" aria-expanded={c.transferOpen}
          disabled={!c.canTransfer} onClick={() => c.onTransferOpen(!c.transferOpen)}
          title={mine ? 'Transfer to an agent, a queue or a number (Alt+T)' : 'Only the call’s agent can transfer it'}>
          Transfer
        </button>
        <button type="button" className="danger" data-testid="call-hangup" onClick={c.onHangup}
          title={mine ? 'Hang up (Alt+H)' : 'Leave the consultation; the caller stays on the call (Alt+H)'}>
          Hang up
        </button>
      </div>
      <div className="recording">
        <span data-testid="call-recording" data-state={c.recordingPaused ? 'paused' : recording ? 'on' : 'off'}>
          Recording: {c.recordingPaused ? 'paused' : recording ? 'on' : 'off'}
        </span>
        <button type="button" data-testid="call-record-pause"
          disabled={!connected || !mine || c.busy || c.recordingPaused || !recording}
          onClick={c.onRecordPause} title="Silence the recording (card payments)">Pause recording</button>
        <button type="button" data-testid="call-record-resume" disabled={!connected || !mine || c.busy || !c.recordingPaused}
          onClick={c.onRecordResume}>Resume recording</button>
      </div>
      <div className="call-body">
        <DtmfPad disabled={!connected || !mine} onDigit={c.onDigit} />
        {c.consult && !mine && <ConsulteeBar consult={c.consult} />}
        {c.consult && mine && <ConsultBar consult={c.consult} busy={c.busy} onAction={c.onTransferAction} />}
        {c.transferOpen && <TransferPanel busy={c.busy} onTransfer={c.onTransfer} onClose={closeTransfer} />}
      </div>
      <p className="error small" role="alert" data-testid="call-error">{c.error ?? '\u00a0'}</p>
    </section>
  );
}
