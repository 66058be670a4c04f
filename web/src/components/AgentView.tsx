import { useEffect, useMemo, useState } from 'react';
import { describe, wrapUp } from '../api/client';
import type { Me } from '../api/types';
import { useAgentState } from '../agent/useAgentState';
import { useCallControls } from '../agent/useCallControls';
import { useReattach } from '../agent/useReattach';
import { useShortcuts } from '../agent/useShortcuts';
import { isConsultee, matchCall } from '../console/match';
import { useConsole } from '../console/useConsole';
import { type MicStatus, requestMicrophone } from '../softphone/microphone';
import { useSoftphone } from '../softphone/useSoftphone';
import { parseChoice, reasonsOf, stateLabel } from '../states';
import { Notice, ReattachBanner, ReconnectBanner } from './Banners';
import { CallPanel } from './CallPanel';
import { ContactHistory } from './ContactHistory';
import { DialPad } from './DialPad';
import { Header } from './Header';
import { OfferToast } from './OfferToast';
import { QueueStats } from './QueueStats';
import { RemoteAudio } from './RemoteAudio';
import { SoftphoneStatus } from './SoftphoneStatus';
import { WrapUpForm } from './WrapUpForm';

/** The customer of a call: who called in, or the number dialled. */
function contactOf(c: { direction: string; caller: string; number: string }): string | null {
  const contact = c.direction === 'outbound' ? c.number : c.caller;
  return contact || null;
}

interface Props {
  me: Me;
  onLogout(): void;
  /** The console socket closed: the session may have ended. */
  onLinkLost(): void;
}

function useMicrophone(): MicStatus {
  const [mic, setMic] = useState<MicStatus>({ kind: 'asking' });
  useEffect(() => {
    let live = true;
    void requestMicrophone().then((m) => live && setMic(m));
    return () => {
      live = false;
    };
  }, []);
  return mic;
}

export function AgentView({ me, onLogout, onLinkLost }: Props) {
  const { snapshot, link } = useConsole(onLinkLost);
  const state = useAgentState(snapshot);
  const [phone, ps] = useSoftphone();
  const mic = useMicrophone();
  const [dismissed, setDismissed] = useState<string | null>(null);

  const call = ps.call;
  const details = useMemo(
    () => (call && snapshot ? matchCall(snapshot.calls, call, me.user.id) : null),
    [call, snapshot, me.user.id],
  );
  const controls = useCallControls(phone, call, details, me.user.id);
  const reattach = useReattach(phone, ps, snapshot, details, me.user.id);
  // A re-attached call is answered on arrival: it never rings.
  const ringing = call?.status === 'ringing' && !call.reattach;
  // The last call the agent handled: what after-call work is about.
  const [lastCall, setLastCall] = useState<{ id: string; queue: string | null; contact: string | null } | null>(null);
  const detailsContact = details ? contactOf(details) : null;
  useEffect(() => {
    if (details?.id && !ringing) setLastCall({ id: details.id, queue: details.queue ?? null, contact: detailsContact });
  }, [details?.id, details?.queue, detailsContact, ringing]);
  // A call left over from before a reload is the last call even if it never comes back.
  const reattachId = reattach.target?.id;
  const reattachQueue = reattach.target?.queue ?? null;
  const reattachContact = reattach.target ? contactOf(reattach.target) : null;
  useEffect(() => {
    if (reattachId) setLastCall({ id: reattachId, queue: reattachQueue, contact: reattachContact });
  }, [reattachId, reattachQueue, reattachContact]);
  const lastQueue = snapshot?.queues.find((q) => q.name === lastCall?.queue) ?? null;
  const screenPopUrl = snapshot?.queues.find((q) => q.name === details?.queue)?.screen_pop_url ?? null;
  const [wrapError, setWrapError] = useState<string | null>(null);
  const finishWrapUp = async (disposition: string, notes: string) => {
    setWrapError(null);
    if (disposition || notes.trim()) {
      try {
        await wrapUp(lastCall?.id ?? null, lastCall?.queue ?? null, disposition, notes);
      } catch (e) {
        setWrapError(`disposition not saved: ${describe(e)}`);
        return;
      }
    }
    await state.change(done.state, done.reason);
  };

  useShortcuts({
    accept: () => ringing && phone.answer(),
    hangup: () => (ringing ? phone.reject() : call && controls.onHangup()),
    holdToggle: () => controls.canHold && !controls.busy && controls.onHoldToggle(),
    transferToggle: () => controls.canTransfer && controls.onTransferOpen(!controls.transferOpen),
    muteToggle: () => call?.status === 'connected' && controls.onMuteToggle(),
  });

  const agent = state.agent;
  const notice = snapshot?.notice ?? null;
  const next = agent?.next ? parseChoice(agent.next === 'unavailable' ? `unavailable:${agent.next_reason ?? ''}` : agent.next) : null;
  const done = next ?? { state: 'available' as const };

  const dialOut = (n: string): string | null => {
    try {
      phone.dial(n);
      return null;
    } catch (e) {
      return describe(e);
    }
  };

  return (
    <div className="agent-view">
      <Header me={me} agent={agent} reasons={reasonsOf(snapshot?.reason_codes)} stateBusy={state.busy}
        stateError={state.error} onState={(s, r) => void state.change(s, r)} onLogout={onLogout} />
      <div className="banners">
        <ReconnectBanner link={link} />
        <ReattachBanner waiting={reattach.waiting} error={reattach.error} onRetry={reattach.retry} />
        <Notice text={notice === dismissed ? null : notice} onDismiss={() => setDismissed(notice)} />
      </div>
      <main className="workspace">
        <div className="column">
          <OfferToast offer={ringing ? call : null} details={details} screenPopUrl={screenPopUrl}
            consultation={isConsultee(details, me.user.id)}
            autoAccept={ps.autoAccept} onAccept={() => phone.answer()} onReject={() => phone.reject()}
            onAutoAccept={(on) => phone.setAutoAccept(on)} />
          {call && !ringing ? (
            <CallPanel call={call} details={details} c={controls} screenPopUrl={screenPopUrl} />
          ) : (
            <section className="panel idle" aria-label="Current call">
              <h2>No call</h2>
              <p className="muted" data-testid="last-ended">
                {ps.lastEnded ? `Last call ended: ${controls.handedOff ? 'transferred' : ps.lastEnded}.` : 'Calls you accept appear here.'}
              </p>
            </section>
          )}
          {agent?.state === 'wrap_up' && (
            <WrapUpForm busy={state.busy} error={wrapError ?? state.error} doneLabel={stateLabel(done.state, done.reason)}
              codes={lastQueue?.dispositions.codes ?? []} required={lastQueue?.dispositions.required ?? false}
              endsAt={lastQueue && lastQueue.wrap_up_secs > 0 ? agent.since + lastQueue.wrap_up_secs * 1000 : null}
              onDone={(disposition, notes) => void finishWrapUp(disposition, notes)} />
          )}
        </div>
        <aside className="column side">
          <SoftphoneStatus reg={ps.reg} mic={mic} />
          {!call && (
            <DialPad ready={ps.reg.kind === 'registered' && !reattach.waiting} onDial={dialOut} />
          )}
          <QueueStats queues={snapshot?.queues ?? []} />
          <ContactHistory
            contact={call && !ringing ? detailsContact ?? call.fromUser : agent?.state === 'wrap_up' ? lastCall?.contact ?? null : null}
            currentId={call ? details?.id ?? null : null} refresh={agent?.state}
            onDial={call || ps.reg.kind !== 'registered' || reattach.waiting ? null : dialOut} />
        </aside>
      </main>
      <RemoteAudio stream={call?.remoteStream ?? null} />
    </div>
  );
}
