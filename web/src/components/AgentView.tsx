import { useEffect, useMemo, useState } from 'react';
import { describe, wrapUp } from '../api/client';
import type { ConsoleCall, Me } from '../api/types';
import { useAgentState } from '../agent/useAgentState';
import { useCallControls } from '../agent/useCallControls';
import { useDevice } from '../agent/useDevice';
import { usePstnCall } from '../agent/usePstnCall';
import { useReattach } from '../agent/useReattach';
import { useShortcuts } from '../agent/useShortcuts';
import { isConsultee, matchCall } from '../console/match';
import { useConsole } from '../console/useConsole';
import { type MicStatus, requestMicrophone } from '../softphone/microphone';
import { useSoftphone } from '../softphone/useSoftphone';
import { parseChoice, reasonsOf, stateLabel } from '../states';
import { Notice, ReattachBanner, ReconnectBanner } from './Banners';
import { type CallLeg, CallPanel } from './CallPanel';
import { ContactHistory } from './ContactHistory';
import { Voicemails } from './Voicemails';
import { DeviceChoice } from './DeviceChoice';
import { DialPad } from './DialPad';
import { EmailPanel } from './EmailPanel';
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
  const { snapshot, link, command } = useConsole(onLinkLost);
  const state = useAgentState(snapshot);
  const [phone, ps] = useSoftphone();
  const mic = useMicrophone();
  const device = useDevice(link);
  const [dismissed, setDismissed] = useState<string | null>(null);
  // The email conversation open in the Email panel.
  const [emailOpen, setEmailOpen] = useState<string | null>(null);

  const call = ps.call;
  // The snapshot's view of the softphone's call.
  const matched = useMemo(
    () => (call && snapshot ? matchCall(snapshot.calls, call, me.user.id) : null),
    [call, snapshot, me.user.id],
  );
  const softphoneDevice = device.device?.kind === 'softphone';
  const reattach = useReattach(phone, ps, snapshot, matched, me.user.id, softphoneDevice);
  // Offers on the agent's line come from the live call list.
  useEffect(() => {
    if (snapshot) phone.syncLine(snapshot.calls, me.user.id, softphoneDevice);
  }, [snapshot, phone, me.user.id, softphoneDevice]);
  // With a PSTN device calls ring the agent's phone: the console sees them in the snapshot only.
  // A desk phone rings like a number: the console knows its calls from the snapshot only.
  const desk = device.device?.kind === 'desk';
  const pstnNumber = device.device?.kind === 'pstn' ? device.device.number : desk ? 'desk phone' : null;
  const pstn = usePstnCall(snapshot, me.user.id, pstnNumber !== null && !call && !reattach.target, matched?.id ?? null);
  const leg: CallLeg | null = call
    ? { kind: 'softphone', call }
    : pstnNumber !== null && pstn.call
      ? { kind: 'pstn', call: pstn.call, number: pstnNumber, desk, since: pstn.since }
      : null;
  const details = call ? matched : pstn.call;
  const controls = useCallControls(phone, leg, details, me.user.id, command);
  // A re-attached call is answered on arrival: it never rings.
  const ringing = call?.status === 'ringing' && !call.reattach;
  // The last call (or voicemail message, without a call id) the agent handled: what after-call
  // work is about.
  // The last work done (a call, a voicemail, an email conversation): the after-contact work
  // follows its queue and its disposition goes on it.
  const [lastCall, setLastCall] = useState<
    { id: string | null; conversation?: string; queue: string | null; contact: string | null } | null>(null);
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
  const popUrl = (queue: string | null | undefined) =>
    snapshot?.queues.find((q) => q.name === queue)?.screen_pop_url ?? null;
  const screenPopUrl = popUrl(details?.queue);
  // An offer or a call on the softphone or the agent's phone: no dialling out, no device change.
  const lineBusy = call !== null || pstn.offer !== null || pstn.call !== null;
  const involves = (c: ConsoleCall) =>
    c.agent === me.user.id || c.offered_to === me.user.id || c.consult?.agent === me.user.id;
  const callGoingOn = lineBusy || reattach.target !== null || (snapshot?.calls.some(involves) ?? false);
  const [wrapError, setWrapError] = useState<string | null>(null);
  // The next state is asked for first (it applies when the work ends), then the wrap-up,
  // which saves the disposition and notes and ends the after-call work at once.
  const finishWrapUp = async (disposition: string, notes: string) => {
    setWrapError(null);
    await state.change(done.state, done.reason);
    try {
      const work = { call: lastCall?.id ?? null, conversation: lastCall?.conversation ?? null, queue: lastCall?.queue ?? null };
      await wrapUp(work, disposition, notes);
    } catch (e) {
      setWrapError(`after-call work not ended: ${describe(e)}`);
    }
  };

  useShortcuts({
    accept: () => ringing && phone.answer(),
    hangup: () => (ringing ? phone.reject() : leg && controls.onHangup()),
    holdToggle: () => controls.canHold && !controls.busy && controls.onHoldToggle(),
    transferToggle: () => controls.canTransfer && controls.onTransferOpen(!controls.transferOpen),
    muteToggle: () => call?.status === 'connected' && controls.onMuteToggle(),
  });

  const agent = state.agent;
  const emailOffers = snapshot?.email_offers ?? [];
  const emailsHeld = snapshot?.emails_held ?? [];
  const emailRefresh = [agent?.state ?? '', emailsHeld.join(','), emailOffers.map((o) => o.conversation).join(',')].join('|');
  // Busy with email rather than a call: the header says so.
  const activity = callGoingOn
    ? null
    : agent?.state === 'working' && emailsHeld.length > 0
      ? 'On email'
      : agent?.state === 'reserved' && emailOffers.length > 0
        ? 'Email offered'
        : null;
  const supervisor = me.user.role === 'supervisor' || me.user.role === 'admin';
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
  /** Calling a contact back from the side panels, when the line is free. */
  const dialBack = lineBusy || ps.reg.kind !== 'registered' || reattach.waiting ? null : dialOut;

  return (
    <div className="agent-view">
      <Header me={me} agent={agent} activity={activity} reasons={reasonsOf(snapshot?.reason_codes)} stateBusy={state.busy}
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
            onAutoAccept={(on) => phone.setAutoAccept(on)}
            pstn={pstnNumber === null ? null : { number: pstnNumber, desk, offer: pstn.offer, screenPopUrl: popUrl(pstn.offer?.queue) }}
            voicemail={snapshot?.voicemail_offer ?? null}
            onVoicemailAccepted={(m) => setLastCall({ id: null, queue: m.mailbox, contact: m.caller || null })}
            email={emailOffers}
            onEmailAccepted={(o) => {
              // After-contact work follows the conversation's queue.
              setLastCall({ id: null, conversation: o.conversation, queue: o.queue_name || null, contact: o.customer || null });
              setEmailOpen(o.conversation);
            }} />
          {leg && !ringing ? (
            <CallPanel leg={leg} details={details} c={controls} screenPopUrl={screenPopUrl} />
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
          <EmailPanel me={me.user.id} supervisor={supervisor} refresh={emailRefresh} held={emailsHeld}
            selected={emailOpen} onSelect={setEmailOpen} queues={(snapshot?.queues ?? []).map((q) => q.name)} />
        </div>
        <aside className="column side">
          <SoftphoneStatus reg={ps.reg} mic={mic} line={ps.line}>
            <DeviceChoice d={device} locked={callGoingOn} />
          </SoftphoneStatus>
          {!lineBusy && (
            <DialPad ready={ps.reg.kind === 'registered' && !reattach.waiting} onDial={dialOut} />
          )}
          <QueueStats queues={snapshot?.queues ?? []} />
          <ContactHistory
            contact={leg && !ringing ? detailsContact ?? call?.fromUser ?? null : agent?.state === 'wrap_up' ? lastCall?.contact ?? null : null}
            currentId={leg ? details?.id ?? null : null} refresh={agent?.state}
            onDial={dialBack} />
          <Voicemails refresh={agent?.state} held={snapshot?.voicemails_held ?? []}
            onDial={dialBack} />
        </aside>
      </main>
      <RemoteAudio stream={call?.remoteStream ?? null} />
    </div>
  );
}
