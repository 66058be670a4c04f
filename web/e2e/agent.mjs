#!/usr/bin/env node
// Drives the agent console in headless Chromium, one command at a time, so that a test can run
// a call through it in stages.
//
//   node e2e/agent.mjs [command ...]
//
// Environment: SB_URL (e.g. https://127.0.0.1:8443), SB_TENANT (default demo), SB_USER,
// SB_PASSWORD, SB_SHOTS (screenshot directory, optional), SB_TONE_WAV (WAV file the fake
// microphone plays, optional), SB_TIMEOUT_MS (wait limit per command, default 20000).
//
// Protocol (stdout, one line each): `ready:start` once the browser is up; then for every
// command, from the arguments first and then from stdin (one per line), `ok <command>` or
// `err <command> <message>`; `info <text>` lines carry details (the offer's caller...).
// Commands: login, available, unavailable <reason>, wait-registered, wait-offer, accept,
// reject, wait-connected, wait-audio, hold, resume, mute, dtmf <digits>, hangup, reload,
// wait-reattached, wait-state <state>, dial <number>, recent, wait-queue <name>, wrap-up <disposition> [notes...], wait-notice, logout, shot <name>,
// transfer <blind|consult> <username|queue:<name>|number:<digits>>, wait-consult <ringing|talking|conference|none>,
// transfer-complete, transfer-cancel, conference, directory, quality, countdown,
// history <number>, history-call, device <softphone|desk|pstn> [number], wait-pstn-offer, desk-answer,
// wait-pstn-connected,
// voicemails [count] (waits for that many new messages), voicemail-audio, voicemail-done,
// wait-voicemail-offer, voicemail-accept, voicemail-reject,
// wait-email-offer, email-accept, email-reject, emails [count], email-open [id], email-download, email-attach <file>,
// email-reply [--all] [--quote] [--cc=<a,b>] <text...>, email-reply-refused <same>, email-note <text...>,
// email-forward <to> <text...>,
// email-auth, email-html [remote], email-transfer <queue>,
// email-close, quit.
// With a PSTN device (calls ring the agent's own phone) hangup, hold, resume, dtmf, transfer,
// wait-state and wrap-up work as with the softphone; mute, accept and reject do not apply.
// The exit status is 0 when every command succeeded.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const env = process.env;
const BASE = (env.SB_URL ?? '').replace(/\/+$/, '');
const TIMEOUT = Number.parseInt(env.SB_TIMEOUT_MS ?? '20000', 10) || 20000;
const SHOTS = env.SB_SHOTS ?? '';

function say(line) {
  process.stdout.write(`${line}\n`);
}

function tid(id) {
  return `[data-testid="${id}"]`;
}

if (!/^https?:\/\//.test(BASE)) {
  say('err start SB_URL must be set to the console URL, e.g. https://127.0.0.1:8443');
  process.exit(2);
}

const args = [
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  '--ignore-certificate-errors',
  '--autoplay-policy=no-user-gesture-required',
];
if (env.SB_TONE_WAV) args.push(`--use-file-for-fake-audio-capture=${env.SB_TONE_WAV}`);

let shotNo = 0;
async function shot(page, name) {
  if (!SHOTS) return null;
  mkdirSync(SHOTS, { recursive: true });
  shotNo += 1;
  const safe = name.replace(/[^A-Za-z0-9_.-]/g, '_');
  const file = join(SHOTS, `${String(shotNo).padStart(2, '0')}-${safe}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** After attempt number `attempt`: null when the agent view shows, else the login error. */
async function afterLogin(page, attempt) {
  const agent = page.locator(tid('agent-state'));
  const error = page.locator(`${tid('login-error')}[data-attempts="${attempt}"]`).filter({ hasText: /\S/ });
  await Promise.race([
    agent.waitFor({ timeout: TIMEOUT }),
    error.waitFor({ timeout: TIMEOUT }),
  ]);
  if (await agent.isVisible()) return null;
  return (await error.innerText()).trim();
}

async function openConsole(page) {
  await page.goto(`${BASE}/`, { waitUntil: 'domcontentloaded' });
  await page.locator(`${tid('login-submit')}, ${tid('agent-state')}`).first().waitFor({ timeout: TIMEOUT });
}

const commands = {
  async login(page) {
    await openConsole(page);
    if (await page.locator(tid('agent-state')).isVisible()) {
      await shot(page, 'agent');
      return;
    }
    await page.fill(tid('login-tenant'), env.SB_TENANT ?? 'demo');
    await page.fill(tid('login-username'), env.SB_USER ?? '');
    await page.fill(tid('login-password'), env.SB_PASSWORD ?? '');
    await shot(page, 'login-form');
    const before = Number(await page.getAttribute(tid('login-error'), 'data-attempts'));
    await page.click(tid('login-submit'));
    const error = await afterLogin(page, before + 1);
    await shot(page, error ? 'login-error' : 'agent');
    if (error) throw new Error(`login refused: ${error}`);
  },
  async available(page) {
    await page.selectOption(tid('state-select'), 'available');
    // Something waiting is offered at once: reserved counts as ready too.
    const ready = ['available', 'reserved'].map((s) => `${tid('agent-state')}[data-state="${s}"]`);
    await page.locator([...ready, tid('next-state')].join(', ')).first().waitFor({ timeout: TIMEOUT });
  },
  async unavailable(page, reason) {
    if (!reason) throw new Error('usage: unavailable <reason>');
    await page.selectOption(tid('state-select'), `unavailable:${reason}`);
    await page.locator(`${tid('agent-state')}[data-state="unavailable"], ${tid('next-state')}`).first()
      .waitFor({ timeout: TIMEOUT });
  },
  async 'wait-registered'(page) {
    await page.locator(`${tid('softphone-status')}[data-status="registered"]`).waitFor({ timeout: TIMEOUT });
    // The agent's line opens once registered: offers then ring on it.
    const line = page.locator(`${tid('line-status')}[data-status="up"]`);
    await line.waitFor({ timeout: TIMEOUT }).catch(async (e) => {
      const why = await page.locator(tid('line-status')).textContent().catch(() => null);
      throw new Error(`the line did not open: ${why ?? 'no line status'} (${e})`);
    });
  },
  async 'wait-offer'(page) {
    const toast = page.locator(tid('offer-toast'));
    await toast.waitFor({ timeout: TIMEOUT });
    // The queue comes with the next console snapshot (at most about a second later).
    await page
      .waitForFunction((sel) => document.querySelector(sel)?.textContent?.trim() !== '—', tid('offer-queue'), {
        timeout: 3000,
      })
      .catch(() => undefined);
    const caller = (await page.locator(tid('offer-caller')).innerText()).trim();
    const queue = (await page.locator(tid('offer-queue')).innerText()).trim();
    const kind = await page.getAttribute(tid('offer-kind'), 'data-kind');
    say(`info offer caller=${caller} queue=${queue} kind=${kind}`);
    const crm = page.locator(`${tid('offer-toast')} ${tid('screen-pop')}`);
    if ((await crm.count()) > 0) say(`info screen-pop ${await crm.getAttribute('href')}`);
    await shot(page, 'offer');
  },
  async accept(page) {
    await page.click(tid('offer-accept'), { timeout: TIMEOUT });
    await page.locator(tid('call-panel')).waitFor({ timeout: TIMEOUT });
  },
  async reject(page) {
    await page.click(tid('offer-reject'), { timeout: TIMEOUT });
    await page.locator(tid('offer-toast')).waitFor({ state: 'detached', timeout: TIMEOUT });
  },
  /** Where calls ring; fails with the server's reason (not a number, no outbound trunk...). */
  async device(page, kind, ...digits) {
    const number = digits.join(' ');
    if (!(kind === 'softphone' || kind === 'desk' || (kind === 'pstn' && number))) {
      throw new Error('usage: device <softphone|desk|pstn> [number]');
    }
    const status = page.locator(tid('device-status'));
    await page.locator(`${tid('device-status')}[data-kind]`).waitFor({ timeout: TIMEOUT });
    if ((await status.getAttribute('data-kind')) !== kind || kind === 'pstn') {
      await page.locator(`${tid('device-choice')}:not([disabled])`).waitFor({ timeout: TIMEOUT })
        .catch(() => { throw new Error('where calls ring cannot change now (a call is going on)'); });
      const before = Number(await page.getAttribute(tid('device-error'), 'data-attempts'));
      if (kind === 'pstn') {
        await page.fill(tid('device-pstn-number'), number, { timeout: TIMEOUT });
        await page.click(tid('device-pstn-use'), { timeout: TIMEOUT });
      } else {
        await page.click(tid(`device-${kind}`), { timeout: TIMEOUT });
      }
      const error = page.locator(`${tid('device-error')}[data-attempts="${before + 1}"]`);
      await error.waitFor({ timeout: TIMEOUT });
      const text = (await error.innerText()).trim();
      if (text) throw new Error(text);
    }
    await page.locator(`${tid('device-status')}[data-kind="${kind}"]`).waitFor({ timeout: TIMEOUT });
    say(`info device kind=${kind} number=${(await status.getAttribute('data-number')) || '-'}`);
    await shot(page, `device-${kind}`);
  },
  /** An offer ringing the agent's phone (PSTN device): the phone accepts it, not the page. */
  async 'wait-pstn-offer'(page) {
    await page.locator(tid('pstn-offer')).waitFor({ timeout: TIMEOUT });
    const caller = (await page.locator(tid('pstn-offer-caller')).innerText()).trim();
    const queue = (await page.locator(tid('pstn-offer-queue')).innerText()).trim();
    say(`info pstn-offer caller=${caller} queue=${queue}`);
    await shot(page, 'pstn-offer');
  },
  /** The desk phone rings: answer it from the console (the phone picks up by itself). */
  async 'desk-answer'(page) {
    await page.locator(`${tid('pstn-offer')}[data-desk="true"]`).waitFor({ timeout: TIMEOUT });
    await page.click(tid('desk-answer'), { timeout: TIMEOUT });
  },
  async 'wait-pstn-connected'(page) {
    await page.locator(`${tid('call-panel')}[data-device="pstn"][data-status="connected"]`).waitFor({ timeout: TIMEOUT });
    await shot(page, 'pstn-call');
  },
  async 'wait-connected'(page) {
    await page.locator(`${tid('call-panel')}[data-status="connected"]`).waitFor({ timeout: TIMEOUT });
    await shot(page, 'call');
  },
  /** Waits until the caller's audio reaches the page (RMS above -40 dBFS). */
  async 'wait-audio'(page) {
    const peak = await page.evaluate(measureRemoteAudio, TIMEOUT);
    if (peak < 0) throw new Error('no remote audio stream on the page');
    say(`info audio peak-rms=${peak.toFixed(4)}`);
    if (peak <= AUDIBLE_RMS) throw new Error(`remote audio is silent (peak RMS ${peak.toFixed(4)})`);
  },
  async countdown(page) {
    const el = page.locator(tid('wrap-countdown'));
    await el.waitFor({ timeout: TIMEOUT });
    say(`info countdown left=${await el.getAttribute('data-left-secs')}`);
  },
  async quality(page) {
    const el = page.locator(tid('call-quality'));
    await el.waitFor({ timeout: TIMEOUT });
    say(`info quality level=${await el.getAttribute('data-level')} mos=${await el.getAttribute('data-mos')}`);
  },
  async hold(page) {
    await page.click(`${tid('call-hold')}[aria-pressed="false"]`, { timeout: TIMEOUT });
    await waitCall(page, 'held');
    await shot(page, 'held');
  },
  async resume(page) {
    await page.click(`${tid('call-hold')}[aria-pressed="true"]`, { timeout: TIMEOUT });
    await waitCall(page, 'connected');
  },
  async mute(page) {
    const button = page.locator(tid('call-mute'));
    const before = await button.getAttribute('aria-pressed');
    await button.click({ timeout: TIMEOUT });
    await page.locator(`${tid('call-mute')}[aria-pressed="${before === 'true' ? 'false' : 'true'}"]`)
      .waitFor({ timeout: TIMEOUT });
  },
  async dtmf(page, digits) {
    if (!digits || !/^[0-9*#]+$/.test(digits)) throw new Error('usage: dtmf <digits 0-9 * #>');
    // Keys go over the console socket; count any that fell back to REST.
    let rest = 0;
    const count = (req) => {
      if (req.url().includes('/dtmf')) rest += 1;
    };
    page.on('request', count);
    for (const d of digits) {
      const id = d === '*' ? 'star' : d === '#' ? 'hash' : d;
      await page.click(tid(`dtmf-${id}`), { timeout: TIMEOUT });
      await page.locator(`${tid('dtmf-0')}:not([disabled])`).waitFor({ timeout: TIMEOUT });
    }
    await expectNoCallError(page);
    page.off('request', count);
    say(`info dtmf rest=${rest}`);
  },
  /** The softphone's leg ends at once; a call on the agent's phone once the server dropped it. */
  async hangup(page) {
    const pstn = (await page.locator(`${tid('call-panel')}[data-device="pstn"]`).count()) > 0;
    await page.click(tid('call-hangup'), { timeout: TIMEOUT });
    if (pstn) await outcome(page, page.locator(tid('call-panel')), 'detached');
    else await page.locator(tid('call-panel')).waitFor({ state: 'detached', timeout: TIMEOUT });
    await shot(page, 'after-call');
  },
  /** During a call too: the page sends no BYE, the call stays up on the server (see wait-reattached). */
  async reload(page) {
    await page.reload({ waitUntil: 'domcontentloaded' });
    await page.locator(`${tid('login-submit')}, ${tid('agent-state')}`).first().waitFor({ timeout: TIMEOUT });
    await shot(page, 'reloaded');
  },
  /** After a reload during a call: the call came back on the new softphone, connected (held if it was). */
  async 'wait-reattached'(page) {
    const back = (status) => `${tid('call-panel')}[data-reattached="true"][data-status="${status}"]`;
    const panel = page.locator(`${back('connected')}, ${back('held')}`);
    const error = page.locator(tid('reattach-error')).filter({ hasText: /\S/ });
    await Promise.race([panel.waitFor({ timeout: TIMEOUT }), error.waitFor({ timeout: TIMEOUT })]);
    if (!(await panel.isVisible())) throw new Error((await error.innerText()).trim());
    const status = await panel.getAttribute('data-status');
    const timer = (await page.locator(tid('call-timer')).innerText()).trim();
    say(`info reattached status=${status} timer=${timer}`);
    await shot(page, 'reattached');
  },
  async 'wait-state'(page, state) {
    if (!state) throw new Error('usage: wait-state <state>');
    await page.locator(`${tid('agent-state')}[data-state="${state}"]`).waitFor({ timeout: TIMEOUT });
    await shot(page, `state-${state}`);
  },
  async dial(page, number) {
    if (!number) throw new Error('usage: dial <number>');
    await page.fill(tid('dial-number'), number, { timeout: TIMEOUT });
    await page.click(tid('dial-call'), { timeout: TIMEOUT });
    await page.locator(tid('call-panel')).waitFor({ timeout: TIMEOUT });
  },
  async history(page, number) {
    if (!number) throw new Error('usage: history <number>');
    await page.fill(tid('history-search'), number, { timeout: TIMEOUT });
    await page.click(tid('history-look-up'));
    const panel = page.locator(`${tid('contact-history')}[data-contact="${number}"][data-loading="false"]`);
    await panel.waitFor({ timeout: TIMEOUT });
    const entries = panel.locator(tid('history-entry'));
    const n = await entries.count();
    const first = n > 0
      ? `${await entries.first().getAttribute('data-disposition')}|${(await entries.first().locator(tid('history-notes')).allInnerTexts()).join('')}`
      : '';
    say(`info history n=${n} first=${first}`);
    await shot(page, 'history');
  },
  async voicemails(page, count) {
    const want = count === undefined ? null : Number.parseInt(count, 10);
    const panel = want === null
      ? page.locator(`${tid('voicemails')}[data-loading="false"]`)
      : page.locator(`${tid('voicemails')}[data-loading="false"][data-count="${want}"]`);
    // The panel refreshes every 20 s; a message left just now may take that long to show.
    await panel.waitFor({ timeout: Math.max(TIMEOUT, 30000) });
    const items = panel.locator(tid('voicemail'));
    const n = await items.count();
    const first = n > 0
      ? `${await items.first().getAttribute('data-caller')}|${await items.first().getAttribute('data-mailbox')}`
      : '';
    say(`info voicemails n=${n} first=${first}`);
    await shot(page, 'voicemails');
  },
  async 'voicemail-audio'(page) {
    const audio = page.locator(tid('voicemail-audio')).first();
    await audio.waitFor({ timeout: TIMEOUT });
    const secs = await audio.evaluate((el, ms) => new Promise((resolve, reject) => {
      const done = () => resolve(el.duration);
      if (el.readyState >= 1) return done();
      el.addEventListener('loadedmetadata', done, { once: true });
      el.addEventListener('error', () => reject(new Error(`audio error ${el.error?.code}`)), { once: true });
      el.load();
      setTimeout(() => reject(new Error('audio metadata not loaded')), ms);
    }), TIMEOUT);
    say(`info voicemail-audio secs=${Number(secs).toFixed(1)}`);
  },
  async 'wait-voicemail-offer'(page) {
    const toast = page.locator(tid('voicemail-offer'));
    await toast.waitFor({ timeout: TIMEOUT });
    const caller = (await page.locator(tid('voicemail-offer-caller')).innerText()).trim();
    const queue = (await page.locator(tid('voicemail-offer-queue')).innerText()).trim();
    say(`info voicemail-offer caller=${caller} queue=${queue}`);
    await shot(page, 'voicemail-offer');
  },
  async 'voicemail-accept'(page) {
    const id = await page.getAttribute(tid('voicemail-offer'), 'data-id', { timeout: TIMEOUT });
    await page.click(tid('voicemail-accept'), { timeout: TIMEOUT });
    // The message is the agent's: first in the panel, marked as theirs.
    await page.locator(`${tid('voicemail')}[data-id="${id}"][data-mine="true"]`).waitFor({ timeout: TIMEOUT });
    await page.locator(tid('voicemail-offer')).waitFor({ state: 'detached', timeout: TIMEOUT });
    await shot(page, 'voicemail-mine');
  },
  async 'voicemail-reject'(page) {
    await page.click(tid('voicemail-reject'), { timeout: TIMEOUT });
    await page.locator(tid('voicemail-offer')).waitFor({ state: 'detached', timeout: TIMEOUT });
  },
  async 'voicemail-done'(page) {
    const panel = page.locator(tid('voicemails'));
    const before = Number.parseInt((await panel.getAttribute('data-count', { timeout: TIMEOUT })) ?? '0', 10);
    if (before < 1) throw new Error('no voicemail to close');
    await page.click(`${tid('voicemail')} >> nth=0 >> ${tid('voicemail-done')}`, { timeout: TIMEOUT });
    await page.locator(`${tid('voicemails')}[data-count="${before - 1}"]`).waitFor({ timeout: TIMEOUT });
  },
  /** An email offer shows: prints `info email-offer id=… customer=… subject=…` (the subject last). */
  async 'wait-email-offer'(page) {
    const card = page.locator(tid('email-offer'));
    await card.waitFor({ timeout: TIMEOUT });
    const id = await card.getAttribute('data-id');
    const customer = (await page.locator(tid('email-offer-customer')).innerText()).trim();
    const subject = (await page.locator(tid('email-offer-subject')).innerText()).trim();
    say(`info email-offer id=${id} customer=${customer} subject=${subject}`);
    await shot(page, 'email-offer');
  },
  /** Takes the offer: the conversation is the agent's, first in the Email panel and open. */
  async 'email-accept'(page) {
    const id = await page.getAttribute(tid('email-offer'), 'data-id', { timeout: TIMEOUT });
    await page.click(tid('email-accept'), { timeout: TIMEOUT });
    await page.locator(`${tid('email-item')}[data-id="${id}"][data-mine="true"]`).waitFor({ timeout: TIMEOUT });
    await page.locator(`${tid('email-offer')}[data-id="${id}"]`).waitFor({ state: 'detached', timeout: TIMEOUT });
    await shot(page, 'email-mine');
  },
  async 'email-reject'(page) {
    const id = await page.getAttribute(tid('email-offer'), 'data-id', { timeout: TIMEOUT });
    await page.click(tid('email-reject'), { timeout: TIMEOUT });
    await page.locator(`${tid('email-offer')}[data-id="${id}"]`).waitFor({ state: 'detached', timeout: TIMEOUT });
  },
  /** The Email panel's list (with `count`, waits until it shows that many). */
  async emails(page, count) {
    const want = count === undefined ? '' : `[data-count="${Number.parseInt(count, 10)}"]`;
    const panel = page.locator(`${tid('email-panel')}[data-loading="false"]${want}`);
    // The list refreshes every 20 s besides the console's changes.
    await panel.waitFor({ timeout: Math.max(TIMEOUT, 30000) });
    const items = await panel.locator(tid('email-item'))
      .evaluateAll((els) => els.map((e) => `${e.dataset.id}|${e.dataset.mine}|${e.dataset.state}`));
    say(`info emails n=${items.length} ${items.join(' ')}`.trim());
  },
  /** Opens a conversation (the agent's first, else the first listed); prints its messages. */
  async 'email-open'(page, id) {
    await page.locator(`${tid('email-panel')}[data-loading="false"]`).waitFor({ timeout: TIMEOUT });
    const mine = page.locator(`${tid('email-item')}[data-mine="true"]`);
    const item = id
      ? page.locator(`${tid('email-item')}[data-id="${id}"]`)
      : (await mine.count()) > 0 ? mine.first() : page.locator(tid('email-item')).first();
    await item.waitFor({ timeout: TIMEOUT });
    const which = await item.getAttribute('data-id');
    await item.click({ timeout: TIMEOUT });
    await threadShown(page, which);
    await printThread(page);
    await shot(page, 'email-thread');
  },
  /** Fetches the open thread's attachment links and raw message links as the page would:
   * `info email-download <filename> status=… type=… bytes=…` each. */
  async 'email-download'(page) {
    await page.locator(tid('email-thread')).waitFor({ timeout: TIMEOUT });
    const found = await page.locator(`${tid('email-attachment')}, ${tid('email-raw')}`)
      .evaluateAll((links) => Promise.all(links.map(async (a) => {
        const res = await fetch(a.href, { credentials: 'same-origin' });
        const bytes = (await res.arrayBuffer()).byteLength;
        return `${a.getAttribute('download')} status=${res.status} type=${res.headers.get('content-type')} bytes=${bytes}`;
      })));
    if (found.length === 0) throw new Error('no attachment or raw message link');
    for (const line of found) say(`info email-download ${line}`);
  },
  /** Attaches a file to the next reply. */
  async 'email-attach'(page, file) {
    if (!file) throw new Error('usage: email-attach <file>');
    await openComposer(page, 'reply');
    const before = await page.locator(tid('email-attached-file')).count();
    await page.setInputFiles(tid('email-attach'), file, { timeout: TIMEOUT });
    await page.locator(tid('email-attached-file')).nth(before).waitFor({ timeout: TIMEOUT });
    say(`info email-attached ${await page.locator(tid('email-attach-limit')).innerText()}`);
  },
  /** Sends a reply; fails with the server's reason (the text stays in the box). */
  async 'email-reply'(page, ...words) {
    await fillReply(page, words);
    await addToThread(page, 'email-send', 'outbound');
    await shot(page, 'email-replied');
  },
  /** A reply the server refuses (e.g. the mail server refused a recipient): prints
   * `info email-refused <the error shown>` and `info email-kept <whether the text stayed>`. */
  async 'email-reply-refused'(page, ...words) {
    const text = await fillReply(page, words);
    const thread = page.locator(tid('email-thread'));
    const before = Number(await thread.getAttribute('data-count', { timeout: TIMEOUT }));
    await page.click(tid('email-send'), { timeout: TIMEOUT });
    const error = page.locator(tid('email-error')).filter({ hasText: /\S/ });
    await error.waitFor({ timeout: TIMEOUT });
    if (Number(await thread.getAttribute('data-count')) !== before) throw new Error('the reply was added');
    say(`info email-refused ${(await error.innerText()).replace(/\s+/g, ' ').trim()}`);
    say(`info email-kept ${(await page.inputValue(tid('email-reply-text'))) === text}`);
    await shot(page, 'email-refused');
  },
  async 'email-note'(page, ...words) {
    const text = words.join(' ');
    if (!text) throw new Error('usage: email-note <text...>');
    await openComposer(page, 'note');
    await page.fill(tid('email-note-text'), text);
    await addToThread(page, 'email-note-add', 'note');
    await shot(page, 'email-note');
  },
  /** Forwards the customer's last message to `to` (comma-separated) with `text` above it. */
  async 'email-forward'(page, to, ...words) {
    if (!to) throw new Error('usage: email-forward <to> <text...>');
    await openComposer(page, 'forward');
    await page.fill(tid('email-forward-to'), to);
    await page.fill(tid('email-forward-text'), words.join(' '));
    await addToThread(page, 'email-forward-send', 'outbound');
    await shot(page, 'email-forwarded');
  },
  /** The sender checks on the customer's first message: `info email-auth trusted=<bool> <chips>`. */
  async 'email-auth'(page) {
    const message = page.locator(`${tid('email-message')}[data-direction="inbound"]`).first();
    const auth = message.locator(tid('email-auth'));
    await auth.waitFor({ timeout: TIMEOUT });
    const chips = await auth.locator(tid('email-auth-check')).allInnerTexts();
    say(`info email-auth trusted=${await auth.getAttribute('data-trusted')} ${chips.map((c) => c.trim()).join(' ')}`.trim());
  },
  /** Shows the customer's first message formatted (its sanitised HTML in the sandboxed frame):
   * `info email-html text=<the frame's text> imgs=<images with a source> scripts=<script elements>`.
   * With `remote`, clicks "Load remote images" first and waits until an image has loaded. */
  async 'email-html'(page, remote) {
    const message = page.locator(`${tid('email-message')}[data-direction="inbound"]`).first();
    const toggle = message.locator(tid('email-show-html'));
    if ((await toggle.getAttribute('aria-pressed', { timeout: TIMEOUT })) !== 'true') await toggle.click({ timeout: TIMEOUT });
    if (remote === 'remote') await message.locator(tid('email-load-remote')).click({ timeout: TIMEOUT });
    const frame = message.frameLocator(tid('email-html'));
    const body = frame.locator('body');
    await body.waitFor({ timeout: TIMEOUT });
    if (remote === 'remote') {
      await frame.locator('img[src^="http"]').first().waitFor({ timeout: TIMEOUT });
      await body.evaluate((b) => Promise.all([...b.querySelectorAll('img')].map((i) => i.decode().catch(() => {}))));
    }
    const text = (await body.innerText()).replace(/\s+/g, ' ').trim();
    const imgs = await body.evaluate((b) => b.querySelectorAll('img[src]').length);
    const scripts = await body.evaluate((b) => b.ownerDocument.querySelectorAll('script').length);
    say(`info email-html imgs=${imgs} scripts=${scripts} text=${text}`);
    await shot(page, remote === 'remote' ? 'email-html-remote' : 'email-html');
  },
  /** Passes the open conversation to another email queue: it is no longer the agent's. */
  async 'email-transfer'(page, queue) {
    if (!queue) throw new Error('usage: email-transfer <queue>');
    const id = await page.getAttribute(tid('email-thread'), 'data-id', { timeout: TIMEOUT });
    await page.fill(tid('email-transfer-queue'), queue, { timeout: TIMEOUT });
    await page.click(tid('email-transfer'), { timeout: TIMEOUT });
    await actionDone(page, page.locator(`${tid('email-item')}[data-id="${id}"][data-mine="true"]`), 'detached');
    await shot(page, 'email-transferred');
  },
  async 'email-close'(page) {
    const id = await page.getAttribute(tid('email-thread'), 'data-id', { timeout: TIMEOUT });
    await page.click(tid('email-close'), { timeout: TIMEOUT });
    await actionDone(page, page.locator(`${tid('email-thread')}[data-id="${id}"][data-state="closed"]`), 'visible');
    await shot(page, 'email-closed');
  },
  async 'history-call'(page) {
    await page.click(tid('history-call'), { timeout: TIMEOUT });
    await page.locator(tid('call-panel')).waitFor({ timeout: TIMEOUT });
  },
  async recent(page) {
    const list = page.locator(`${tid('dial-recent')} button`);
    await list.first().waitFor({ timeout: TIMEOUT });
    say(`info recent ${(await list.allInnerTexts()).map((t) => t.trim()).join(' ')}`);
  },
  async 'wait-queue'(page, name) {
    if (!name) throw new Error('usage: wait-queue <name>');
    const row = page.locator(tid(`queue-${name}`));
    await row.waitFor({ timeout: TIMEOUT });
    say(`info queue ${name} waiting=${await row.getAttribute('data-waiting')}`);
  },
  async 'wrap-up'(page, disposition, ...notes) {
    if (!disposition) throw new Error('usage: wrap-up <disposition> [notes...]');
    await page.locator(tid('wrap-up')).waitFor({ timeout: TIMEOUT });
    await page.selectOption(tid('wrap-disposition'), disposition, { timeout: TIMEOUT });
    await page.fill(tid('wrap-notes'), notes.join(' '), { timeout: TIMEOUT });
    await page.click(tid('wrap-done'), { timeout: TIMEOUT });
    await page.locator(tid('wrap-up')).waitFor({ state: 'detached', timeout: TIMEOUT });
  },
  async 'wait-notice'(page) {
    const notice = page.locator(tid('notice'));
    await notice.waitFor({ timeout: TIMEOUT });
    say(`info notice ${(await notice.innerText()).replace(/\s+/g, ' ').trim()}`);
  },
  async logout(page) {
    await page.click(tid('logout'), { timeout: TIMEOUT });
    await page.locator(tid('login-submit')).waitFor({ timeout: TIMEOUT });
  },
  /** Success: blind, once the server has ended our leg; consult, once the panel closed. */
  async transfer(page, mode, target) {
    if ((mode !== 'blind' && mode !== 'consult') || !target) {
      throw new Error('usage: transfer <blind|consult> <username|queue:<name>|number:<digits>>');
    }
    await openTransfer(page);
    let key;
    if (target.startsWith('number:')) {
      await page.fill(tid('transfer-number'), target.slice('number:'.length), { timeout: TIMEOUT });
      key = 'number';
      if (await page.locator(tid(`transfer-${mode}-number`)).isDisabled()) throw new Error(`not a number: ${target}`);
    } else {
      const queue = target.startsWith('queue:') ? target.slice('queue:'.length) : null;
      if (queue !== null && mode === 'consult') throw new Error('a queue cannot be consulted, only blind transferred to');
      await page.fill(tid('transfer-filter'), queue ?? target, { timeout: TIMEOUT });
      await directoryLoaded(page);
      const row = queue !== null ? `transfer-queue-${queue}` : `transfer-agent-${target}`;
      if ((await page.locator(tid(row)).count()) === 0) {
        throw new Error(`no ${queue !== null ? `queue ${queue}` : `agent ${target}`} in the directory`);
      }
      key = queue !== null ? `queue-${queue}` : target;
    }
    await shot(page, `transfer-${mode}`);
    await page.click(tid(`transfer-${mode}-${key}`), { timeout: TIMEOUT });
    await outcome(page, page.locator(tid(mode === 'blind' ? 'call-panel' : 'transfer-panel')), 'detached');
  },
  async 'wait-consult'(page, state) {
    if (!['ringing', 'talking', 'conference', 'none'].includes(state)) {
      throw new Error('usage: wait-consult <ringing|talking|conference|none>');
    }
    const bar = page.locator(tid('consult-bar'));
    if (state === 'none') {
      await bar.waitFor({ state: 'detached', timeout: TIMEOUT });
    } else {
      await page.locator(`${tid('consult-bar')}[data-state="${state}"]`).waitFor({ timeout: TIMEOUT });
    }
    await shot(page, `consult-${state}`);
  },
  /** Ends once the server has ended our leg. */
  async 'transfer-complete'(page) {
    await page.click(tid('consult-complete'), { timeout: TIMEOUT });
    await outcome(page, page.locator(tid('call-panel')), 'detached');
    await shot(page, 'transferred');
  },
  async 'transfer-cancel'(page) {
    await page.click(tid('consult-cancel'), { timeout: TIMEOUT });
    await outcome(page, page.locator(tid('consult-bar')), 'detached');
  },
  async conference(page) {
    await page.click(tid('consult-conference'), { timeout: TIMEOUT });
    await outcome(page, page.locator(`${tid('consult-bar')}[data-state="conference"]`), 'visible');
    await shot(page, 'conference');
  },
  async directory(page) {
    await openTransfer(page);
    await page.fill(tid('transfer-filter'), '', { timeout: TIMEOUT });
    await directoryLoaded(page);
    const agents = await page.locator('[data-testid^="transfer-agent-"]')
      .evaluateAll((rows) => rows.map((r) => `${r.dataset.username}=${r.dataset.state}`));
    say(`info directory ${agents.join(' ')}`.trim());
    await shot(page, 'directory');
    await page.click(tid('transfer-close'), { timeout: TIMEOUT });
    await page.locator(tid('transfer-panel')).waitFor({ state: 'detached', timeout: TIMEOUT });
  },
  async shot(page, name) {
    if (!name) throw new Error('usage: shot <name>');
    const file = await shot(page, name);
    if (file) say(`info shot ${file}`);
  },
};

const AUDIBLE_RMS = 0.01;

/** Runs in the page: the loudest RMS of the remote audio element's stream, -1 without one. */
async function measureRemoteAudio(timeoutMs) {
  const el = document.querySelector('[data-testid="remote-audio"]');
  const stream = el && el.srcObject;
  if (!(stream instanceof MediaStream) || stream.getAudioTracks().length === 0) return -1;
  const ctx = new AudioContext();
  const analyser = ctx.createAnalyser();
  analyser.fftSize = 2048;
  ctx.createMediaStreamSource(stream).connect(analyser);
  const buf = new Float32Array(analyser.fftSize);
  const end = Date.now() + timeoutMs;
  let peak = 0;
  while (Date.now() < end && peak <= 0.01) {
    analyser.getFloatTimeDomainData(buf);
    let sum = 0;
    for (const v of buf) sum += v * v;
    peak = Math.max(peak, Math.sqrt(sum / buf.length));
    await new Promise((r) => setTimeout(r, 100));
  }
  await ctx.close();
  return peak;
}

async function waitCall(page, status) {
  const panel = page.locator(`${tid('call-panel')}[data-status="${status}"]`);
  const error = page.locator(tid('call-error')).filter({ hasText: /\S/ });
  await Promise.race([panel.waitFor({ timeout: TIMEOUT }), error.waitFor({ timeout: TIMEOUT })]);
  if (!(await panel.isVisible())) throw new Error((await error.innerText()).trim());
}

/** Waits until `target` is in `state` ('visible' or 'detached'), else fails with the call error line. */
async function outcome(page, target, state) {
  const error = page.locator(tid('call-error')).filter({ hasText: /\S/ });
  await Promise.race([target.waitFor({ state, timeout: TIMEOUT }), error.waitFor({ timeout: TIMEOUT })]);
  const reached = state === 'detached' ? (await target.count()) === 0 : await target.isVisible();
  if (!reached) throw new Error((await error.innerText()).trim());
}

async function openTransfer(page) {
  const panel = page.locator(tid('transfer-panel'));
  if (!(await panel.isVisible())) await page.click(tid('call-transfer'), { timeout: TIMEOUT });
  await panel.waitFor({ timeout: TIMEOUT });
}

async function directoryLoaded(page) {
  await page.locator(`${tid('transfer-directory')}[data-loaded="true"]`).waitFor({ timeout: TIMEOUT });
}

async function expectNoCallError(page) {
  const text = (await page.locator(tid('call-error')).innerText()).trim();
  if (text) throw new Error(text);
}

/** The thread of conversation `id` is shown and loaded. */
async function threadShown(page, id) {
  await page.locator(`${tid('email-thread')}[data-id="${id}"]`).waitFor({ timeout: TIMEOUT });
  await page.locator(`${tid('email-view')}[data-loading="false"]`).waitFor({ timeout: TIMEOUT });
}

/** `info email-thread id=… state=… messages=N`, then one `info email-message <direction> <text>` each. */
async function printThread(page) {
  const thread = page.locator(tid('email-thread'));
  const id = await thread.getAttribute('data-id');
  const state = await thread.getAttribute('data-state');
  const messages = await thread.locator(tid('email-message')).evaluateAll((els) => els.map((e) => ({
    direction: e.dataset.direction,
    text: e.querySelector('[data-testid="email-text"]')?.textContent ?? '',
    files: Array.from(e.querySelectorAll('[data-testid="email-attachment"]')).map((a) => a.dataset.filename),
    raw: e.querySelector('[data-testid="email-raw"]') !== null,
  })));
  say(`info email-thread id=${id} state=${state} messages=${messages.length}`);
  for (const m of messages) {
    const files = m.files.length > 0 ? ` files=${m.files.join(',')}` : '';
    say(`info email-message ${m.direction} raw=${m.raw}${files} ${m.text.replace(/\s+/g, ' ').trim()}`);
  }
}

/** Fills the reply box from `[--all] [--quote] [--cc=<a,b>] <text...>`; the text. */
async function fillReply(page, words) {
  const flags = words.filter((w) => w.startsWith('--'));
  const text = words.filter((w) => !w.startsWith('--')).join(' ');
  if (!text) throw new Error('usage: email-reply [--all] [--quote] [--cc=<a,b>] <text...>');
  await openComposer(page, 'reply');
  await page.setChecked(tid('email-reply-all'), flags.includes('--all'));
  await page.setChecked(tid('email-quote'), flags.includes('--quote'));
  const cc = flags.find((f) => f.startsWith('--cc='));
  await page.fill(tid('email-cc'), cc ? cc.slice('--cc='.length) : '');
  await page.fill(tid('email-reply-text'), text);
  return text;
}

async function openComposer(page, mode) {
  await page.locator(tid('email-composer')).waitFor({ timeout: TIMEOUT });
  const button = page.locator(tid(`email-mode-${mode}`));
  if (await button.isDisabled()) throw new Error(`cannot write a ${mode} in this conversation`);
  await button.click({ timeout: TIMEOUT });
  await page.locator(`${tid('email-composer')}[data-mode="${mode}"]`).waitFor({ timeout: TIMEOUT });
}

/** Clicks `button`; waits until the thread has one more message, the last one `direction`, or
 * fails with the composer's error (the server's reason). */
async function addToThread(page, button, direction) {
  const thread = page.locator(tid('email-thread'));
  const before = Number(await thread.getAttribute('data-count', { timeout: TIMEOUT }));
  await page.click(tid(button), { timeout: TIMEOUT });
  const grown = page.locator(`${tid('email-thread')}[data-count="${before + 1}"]`);
  const error = page.locator(tid('email-error')).filter({ hasText: /\S/ });
  await Promise.race([grown.waitFor({ timeout: TIMEOUT }), error.waitFor({ timeout: TIMEOUT })]);
  if (!(await grown.isVisible())) throw new Error((await error.innerText()).trim());
  const last = await thread.locator(tid('email-message')).last().getAttribute('data-direction');
  if (last !== direction) throw new Error(`the last message is ${last}, not ${direction}`);
  await printThread(page);
}

/** Waits until `target` is in `state`, else fails with the thread's action error. */
async function actionDone(page, target, state) {
  const error = page.locator(tid('email-action-error')).filter({ hasText: /\S/ });
  await Promise.race([target.waitFor({ state, timeout: TIMEOUT }), error.waitFor({ timeout: TIMEOUT })]);
  const reached = state === 'detached' ? (await target.count()) === 0 : await target.isVisible();
  if (!reached) throw new Error((await error.innerText()).trim());
}

function oneLine(e) {
  return String(e instanceof Error ? e.message : e).split('\n')[0].replace(/\s+/g, ' ').trim();
}

async function main() {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args });
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, ignoreHTTPSErrors: true });
  await context.grantPermissions(['microphone'], { origin: BASE }).catch(() => undefined);
  const page = await context.newPage();
  page.on('pageerror', (e) => process.stderr.write(`page error: ${oneLine(e)}\n`));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') process.stderr.write(`console ${m.type()}: ${m.text()}\n`);
  });
  say('ready:start');

  let failed = false;
  let quit = false;
  async function run(line) {
    const [name, ...rest] = line.trim().split(/\s+/);
    if (!name) return;
    const cmd = line.trim();
    if (name === 'quit') {
      quit = true;
      say(`ok ${cmd}`);
      return;
    }
    const fn = commands[name];
    if (!fn) {
      failed = true;
      say(`err ${cmd} unknown command`);
      return;
    }
    try {
      await fn(page, ...rest);
      say(`ok ${cmd}`);
    } catch (e) {
      failed = true;
      await shot(page, `error-${name}`).catch(() => undefined);
      say(`err ${cmd} ${oneLine(e)}`);
    }
  }

  for (const a of process.argv.slice(2)) {
    if (quit) break;
    await run(a);
  }
  if (!quit) {
    const rl = createInterface({ input: process.stdin, terminal: false });
    for await (const line of rl) {
      await run(line);
      if (quit) break;
    }
    rl.close();
  }
  await browser.close();
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  say(`err start ${oneLine(e)}`);
  process.exit(2);
});
