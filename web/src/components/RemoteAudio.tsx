import { useEffect, useRef, useState } from 'react';

/**
 * Plays the caller's audio from the peer connection's remote track. A call answered without a
 * click (auto-accept, a call re-attached after a reload) may be refused autoplay: a button then
 * starts it.
 */
export function RemoteAudio({ stream }: { stream: MediaStream | null }) {
  const ref = useRef<HTMLAudioElement>(null);
  const [blocked, setBlocked] = useState(false);
  useEffect(() => {
    const el = ref.current;
    if (!el || el.srcObject === stream) return;
    el.srcObject = stream;
    setBlocked(false);
    if (stream) {
      void el.play().catch((e: unknown) => {
        console.warn('remote audio did not start', e);
        if (e instanceof DOMException && e.name === 'NotAllowedError') setBlocked(true);
      });
    }
  }, [stream]);
  const play = () => {
    void ref.current?.play().then(() => setBlocked(false), () => undefined);
  };
  return (
    <>
      <audio ref={ref} autoPlay data-testid="remote-audio" />
      {blocked && stream && (
        <div className="banner warn audio-blocked" role="alert">
          The browser did not start the caller’s audio.
          <button type="button" data-testid="remote-audio-play" onClick={play}>Play audio</button>
        </div>
      )}
    </>
  );
}
