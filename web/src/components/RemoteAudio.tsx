import { useEffect, useRef } from 'react';

/** Plays the caller's audio from the peer connection's remote track. */
export function RemoteAudio({ stream }: { stream: MediaStream | null }) {
  const ref = useRef<HTMLAudioElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el || el.srcObject === stream) return;
    el.srcObject = stream;
    if (stream) void el.play().catch((e: unknown) => console.warn('remote audio did not start', e));
  }, [stream]);
  return <audio ref={ref} autoPlay data-testid="remote-audio" />;
}
