import type { QueueGlance } from '../api/types';
import { formatDuration, useNow } from '../time';

/** The agent's queues: how many wait and for how long the longest has. */
export function QueueStats({ queues }: { queues: QueueGlance[] }) {
  const now = useNow();
  return (
    <section className="panel queues" aria-label="My queues" data-testid="queue-stats">
      <h2>My queues</h2>
      {queues.length === 0 ? (
        <p className="muted">You serve no queue.</p>
      ) : (
        <table>
          <thead>
            <tr><th scope="col">Queue</th><th scope="col">Waiting</th><th scope="col">Longest</th><th scope="col">Agents</th></tr>
          </thead>
          <tbody>
            {queues.map((q) => (
              <tr key={q.name} data-testid={`queue-${q.name}`} data-waiting={q.waiting}>
                <td>{q.name}</td>
                <td className={q.waiting > 0 ? 'busy' : undefined}>{q.waiting}</td>
                <td>{q.oldest_at != null && q.waiting > 0 ? formatDuration(Math.max(0, now - q.oldest_at)) : '—'}</td>
                <td>{q.staffed}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
