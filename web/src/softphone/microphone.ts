// Asks for the microphone early so that answering a call does not wait on a prompt, and says
// clearly when it is refused.
export type MicStatus =
  | { kind: 'asking' }
  | { kind: 'granted' }
  | { kind: 'denied'; message: string };

export async function requestMicrophone(): Promise<MicStatus> {
  if (!navigator.mediaDevices?.getUserMedia) {
    return {
      kind: 'denied',
      message: 'This browser gives no microphone access here (the console must be opened over HTTPS).',
    };
  }
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    for (const track of stream.getTracks()) track.stop();
    return { kind: 'granted' };
  } catch (e) {
    return { kind: 'denied', message: micMessage(e) };
  }
}

function micMessage(e: unknown): string {
  const name = e instanceof DOMException ? e.name : '';
  if (name === 'NotAllowedError' || name === 'SecurityError') {
    return 'Microphone access is blocked. Allow the microphone for this site in the browser, then reload the page.';
  }
  if (name === 'NotFoundError' || name === 'OverconstrainedError') {
    return 'No microphone was found. Connect a headset, then reload the page.';
  }
  if (name === 'NotReadableError') {
    return 'The microphone is in use by another application or cannot be opened.';
  }
  return `The microphone cannot be used (${e instanceof Error ? e.message : String(e)}).`;
}
