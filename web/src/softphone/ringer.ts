// A ring tone made with WebAudio (440 Hz + 480 Hz, 2 s on, 4 s off); no audio files.
const ON_S = 2;
const PERIOD_S = 6;

export class Ringer {
  private ctx: AudioContext | null = null;
  private gain: GainNode | null = null;
  private oscillators: OscillatorNode[] = [];
  private timer: number | undefined;

  start(): void {
    if (this.timer !== undefined) return;
    try {
      this.ctx ??= new AudioContext();
    } catch {
      return; // No WebAudio: the toast still shows the offer.
    }
    const ctx = this.ctx;
    void ctx.resume().catch(() => undefined);
    const gain = ctx.createGain();
    gain.gain.value = 0;
    gain.connect(ctx.destination);
    this.oscillators = [440, 480].map((hz) => {
      const osc = ctx.createOscillator();
      osc.frequency.value = hz;
      osc.connect(gain);
      osc.start();
      return osc;
    });
    this.gain = gain;
    this.burst();
    this.timer = window.setInterval(() => this.burst(), PERIOD_S * 1000);
  }

  stop(): void {
    window.clearInterval(this.timer);
    this.timer = undefined;
    for (const osc of this.oscillators) {
      osc.stop();
      osc.disconnect();
    }
    this.oscillators = [];
    this.gain?.disconnect();
    this.gain = null;
  }

  /** One ring: ramps avoid clicks at the edges. */
  private burst(): void {
    const ctx = this.ctx;
    const gain = this.gain;
    if (!ctx || !gain) return;
    const t = ctx.currentTime;
    gain.gain.cancelScheduledValues(t);
    gain.gain.setValueAtTime(0, t);
    gain.gain.linearRampToValueAtTime(0.12, t + 0.02);
    gain.gain.setValueAtTime(0.12, t + ON_S - 0.02);
    gain.gain.linearRampToValueAtTime(0, t + ON_S);
  }
}
