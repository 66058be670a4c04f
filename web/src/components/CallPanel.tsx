import type { ConsoleCall } from '../api/types';
import type { CallInfo } from '../softphone/call';
import { formatDuration, useNow } from '../time';
import { DtmfPad } from './DtmfPad';
import { ScreenPopLink } from './ScreenPop';

export interface CallControls {
  held: boolean;
  recordingPaused: boolean;
  busy: boolean;
  error: string | null;
  onHangup(): void;
  onHoldToggle(): void;
  onMuteToggle(): void;
  onDigit(d: string): void;
  onRecordPause(): void;
  onRecordResume(): void;
}

function CallTimer({ from }: { from: number | null }) {
  const now = useNow();
  return <span className="call-timer" data-testid="call-timer">{from === null ? '0:00' : formatDuration(now - from)}</span>;
}

export function CallPanel({ call, details, c, screenPopUrl }: {
  call: CallInfo;
  details: ConsoleCall | null;
  c: CallControls;
  screenPopUrl: string | null;
}) {
  const connected = call.status === 'connected';
  const status = !connected ? 'connecting' : c.held ? 'held' : 'connected';
  const recording = details?.recording ?? false;
  return (
    <section className="panel call-panel" data-testid="call-panel" data-status={status} aria-label="Current call">
      <div className="call-head">
        <div>
          <h2>{status === 'connecting' ? (call.outgoing ? 'Calling…' : 'Connecting…') : status === 'held' ? 'On hold' : 'On call'}</h2>
          <p className="caller" data-testid="call-caller">
            {call.outgoing ? call.fromUser : details?.caller || call.fromUser || 'unknown caller'}
          </p>
          {details?.queue && <p className="muted">Queue {details.queue}</p>}
          <ScreenPopLink template={screenPopUrl} call={details} />
        </div>
        <CallTimer from={call.answeredAt} />
      </div>
      <div className="call-actions">
        <button type="button" data-testid="call-mute" aria-pressed={call.muted} disabled={!connected}
          onClick={c.onMuteToggle} title="Mute / unmute your microphone (Alt+M)">
          {call.muted ? 'Unmute' : 'Mute'}
        </button>
        <button type="button" data-testid="call-hold" aria-pressed={c.held} disabled={!connected || c.busy}
          onClick={c.onHoldToggle} title="Hold / resume; the caller hears music on hold (Alt+O)">
          {c.held ? 'Resume' : 'Hold'}
        </button>
        <button type="button" className="danger" data-testid="call-hangup" onClick={c.onHangup}
          title="Hang up (Alt+H)">Hang up</button>
      </div>
      <div className="recording">
        <span data-testid="call-recording" data-state={c.recordingPaused ? 'paused' : recording ? 'on' : 'off'}>
          Recording: {c.recordingPaused ? 'paused' : recording ? 'on' : 'off'}
        </span>
        <button type="button" data-testid="call-record-pause" disabled={!connected || c.busy || c.recordingPaused || !recording}
          onClick={c.onRecordPause} title="Silence the recording (card payments)">Pause recording</button>
        <button type="button" data-testid="call-record-resume" disabled={!connected || c.busy || !c.recordingPaused}
          onClick={c.onRecordResume}>Resume recording</button>
      </div>
      <DtmfPad disabled={!connected} onDigit={c.onDigit} />
      <p className="error small" role="alert" data-testid="call-error">{c.error ?? '\u00a0'}</p>
    </section>
  );
}
