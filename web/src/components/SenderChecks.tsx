// The sender checks of a customer's message (SPF, DKIM, DMARC) as the organisation's mail
// server judged them: a chip each, green when it passed, red when it failed. A report from a
// server the channel does not name as its own is shown as such: the sender could have written it.
import { useEffect, useState } from 'react';
import { messageAuthentication } from '../api/client';
import type { SenderAuthentication, SenderCheck } from '../api/client';

const GOOD = new Set(['pass']);
const BAD = new Set(['fail', 'softfail', 'permerror']);

function Chip({ name, check }: { name: string; check?: SenderCheck | null }) {
  if (!check) return null;
  const tone = GOOD.has(check.result) ? 'ok' : BAD.has(check.result) ? 'bad' : 'neutral';
  const title = check.domain ? `${name} ${check.result} for ${check.domain}` : `${name} ${check.result}`;
  return (
    <span className={`chip auth-${tone}`} data-testid="email-auth-check" data-check={name.toLowerCase()}
      data-result={check.result} title={title}>{name} {check.result}</span>
  );
}

export function SenderChecks({ conversation, message }: { conversation: string; message: string }) {
  const [auth, setAuth] = useState<SenderAuthentication | null | undefined>(undefined);
  useEffect(() => {
    let live = true;
    messageAuthentication(conversation, message).then(
      (a) => live && setAuth(a),
      () => live && setAuth(null),
    );
    return () => { live = false; };
  }, [conversation, message]);
  if (auth === undefined) return null;
  if (auth === null) {
    return <div className="email-auth muted small" data-testid="email-auth" data-checked="false">No sender checks reported</div>;
  }
  return (
    <div className="email-auth small" data-testid="email-auth" data-checked="true" data-trusted={auth.trusted}>
      <Chip name="SPF" check={auth.spf} />
      <Chip name="DKIM" check={auth.dkim} />
      <Chip name="DMARC" check={auth.dmarc} />
      {!auth.trusted && (
        <span className="muted" title="Name your mail server in the channel's authserv_ids to trust its reports">
          as reported by {auth.server} (not a server of yours)
        </span>
      )}
    </div>
  );
}
