// The console WebSocket: snapshots from the server, pong for every ping, and reconnection
// with backoff (1 s, 2 s, then every 5 s) when the socket closes or falls silent.
import type { ConsoleSnapshot } from '../api/types';
import { parseMessage } from './parse';

export type LinkStatus = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface ConsoleSocketEvents {
  snapshot(s: ConsoleSnapshot): void;
  status(s: LinkStatus): void;
  /** Called after each close, e.g. to check whether the session is still valid. */
  closed(code: number): void;
}

/** The server's answer to a call-control command sent over the socket. */
export interface CommandResult {
  ok: boolean;
  status?: number;
  error?: string;
}

/** How long a command's answer is awaited. */
const COMMAND_WAIT_MS = 10000;

const BACKOFF_MS = [1000, 2000, 5000];
/** Pings come every 5 s; three missed ones mean the link is dead. */
const SILENCE_MS = 15000;

export function consoleUrl(loc: Location = window.location): string {
  const scheme = loc.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${loc.host}/api/v1/me/console`;
}

export class ConsoleSocket {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private retryTimer: number | undefined;
  private silenceTimer: number | undefined;
  private stopped = false;
  private readonly url: string;
  private readonly on: ConsoleSocketEvents;
  private nextId = 1;
  private readonly pending = new Map<number, (r: CommandResult) => void>();

  constructor(on: ConsoleSocketEvents, url: string = consoleUrl()) {
    this.on = on;
    this.url = url;
  }

  start(): void {
    this.stopped = false;
    this.open();
  }

  stop(): void {
    this.stopped = true;
    window.clearTimeout(this.retryTimer);
    window.clearTimeout(this.silenceTimer);
    const ws = this.ws;
    this.ws = null;
    ws?.close(1000, 'console closed');
    this.on.status('closed');
  }

  /**
   * Sends a call-control command (`{ call, action, … }`, as `POST /calls/{id}/…` takes it) and
   * resolves with the server's answer; rejects when the socket is not open or no answer came.
   */
  command(body: Record<string, unknown>): Promise<CommandResult> {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return Promise.reject(new Error('the console link is down'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = window.setTimeout(() => {
        this.pending.delete(id);
        reject(new Error('no answer from the server'));
      }, COMMAND_WAIT_MS);
      this.pending.set(id, (r) => {
        window.clearTimeout(timer);
        resolve(r);
      });
      ws.send(JSON.stringify({ ...body, type: 'command', id }));
    });
  }

  private open(): void {
    this.on.status(this.attempt === 0 ? 'connecting' : 'reconnecting');
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.url);
    } catch {
      this.scheduleRetry();
      return;
    }
    this.ws = ws;
    ws.onopen = () => this.armSilence();
    ws.onmessage = (ev) => this.receive(ws, ev);
    ws.onclose = (ev) => this.closed(ws, ev.code);
  }

  private receive(ws: WebSocket, ev: MessageEvent): void {
    if (ws !== this.ws || typeof ev.data !== 'string') return;
    this.armSilence();
    if (this.answered(ev.data)) return;
    const msg = parseMessage(ev.data);
    if (typeof msg === 'string') {
      console.warn(`console socket: ignored a message (${msg})`);
      return;
    }
    if (msg.type === 'ping') {
      ws.send(JSON.stringify({ type: 'pong' }));
      return;
    }
    this.attempt = 0;
    this.on.status('open');
    this.on.snapshot(msg);
  }

  /** Hands a command's result to its sender; false when the message is something else. */
  private answered(text: string): boolean {
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      return false;
    }
    if (typeof v !== 'object' || v === null || (v as { type?: unknown }).type !== 'result') return false;
    const r = v as { id?: unknown; ok?: unknown; status?: unknown; error?: unknown };
    const done = typeof r.id === 'number' ? this.pending.get(r.id) : undefined;
    if (done && typeof r.id === 'number') {
      this.pending.delete(r.id);
      done({
        ok: r.ok === true,
        status: typeof r.status === 'number' ? r.status : undefined,
        error: typeof r.error === 'string' ? r.error : undefined,
      });
    }
    return true;
  }

  private closed(ws: WebSocket, code: number): void {
    if (ws !== this.ws) return;
    this.ws = null;
    window.clearTimeout(this.silenceTimer);
    if (this.stopped) return;
    this.on.closed(code);
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.stopped) return;
    const delay = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)] ?? 5000;
    this.attempt += 1;
    this.on.status('reconnecting');
    this.retryTimer = window.setTimeout(() => this.open(), delay);
  }

  private armSilence(): void {
    window.clearTimeout(this.silenceTimer);
    this.silenceTimer = window.setTimeout(() => this.silent(), SILENCE_MS);
  }

  /** No message for too long: drop the socket without waiting for its close handshake. */
  private silent(): void {
    const ws = this.ws;
    if (!ws) return;
    this.ws = null;
    ws.close(4000, 'no ping');
    if (this.stopped) return;
    this.on.closed(4000);
    this.scheduleRetry();
  }
}
