// The live line-quality indicator: the worse of the call's legs (caller and agent), from the
// figures the server samples every few seconds.
import type { ConsoleCall } from '../api/types';

type Quality = ConsoleCall['quality'][number];

const RANK: Record<string, number> = { good: 0, fair: 1, poor: 2 };

function worst(legs: Quality[]): Quality | null {
  return legs.reduce<Quality | null>((w, q) => (!w || (RANK[q.level] ?? 2) > (RANK[w.level] ?? 2) ? q : w), null);
}

function describeLeg(q: Quality): string {
  const rtt = q.rtt_ms === null || q.rtt_ms === undefined ? '' : ` · RTT ${Math.round(q.rtt_ms)} ms`;
  return `${q.leg}: MOS ${q.mos.toFixed(1)} · jitter ${Math.round(q.jitter_ms)} ms · loss ${q.loss_percent.toFixed(1)}%${rtt}`;
}

export function CallQuality({ details }: { details: ConsoleCall | null }) {
  const legs = details?.quality ?? [];
  const w = worst(legs);
  if (!w) return null;
  return (
    <p className={`call-quality quality-${w.level}`} data-testid="call-quality" data-level={w.level}
      data-mos={w.mos} title={legs.map(describeLeg).join('\n')}>
      <span className="dot" aria-hidden="true" /> Line {w.level}
      <span className="muted small"> · MOS {w.mos.toFixed(1)} · loss {w.loss_percent.toFixed(1)}%</span>
    </p>
  );
}
