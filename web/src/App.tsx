import { useCallback, useEffect, useState } from 'react';
import { ApiFailure, describe, logout, me as fetchMe } from './api/client';
import type { Me } from './api/types';
import { AgentView } from './components/AgentView';
import { LoginPage } from './components/LoginPage';

type Page = { kind: 'checking' } | { kind: 'login'; message: string | null } | { kind: 'agent'; me: Me };

function sessionMessage(e: unknown): string | null {
  if (e instanceof ApiFailure && e.status === 401) return null;
  return `Cannot check your session: ${describe(e)}`;
}

export function App() {
  const [page, setPage] = useState<Page>({ kind: 'checking' });

  useEffect(() => {
    fetchMe().then(
      (me) => setPage({ kind: 'agent', me }),
      (e) => setPage({ kind: 'login', message: sessionMessage(e) }),
    );
  }, []);

  const onLogout = useCallback(() => {
    logout()
      .catch(() => undefined)
      .finally(() => setPage({ kind: 'login', message: null }));
  }, []);

  // When the console socket drops, a 401 from /me means the session is over.
  const onLinkLost = useCallback(() => {
    fetchMe().catch((e: unknown) => {
      if (e instanceof ApiFailure && e.status === 401) {
        setPage({ kind: 'login', message: 'Your session has ended. Log in again.' });
      }
    });
  }, []);

  switch (page.kind) {
    case 'checking':
      return <p className="checking" data-testid="checking">Loading…</p>;
    case 'login':
      return <LoginPage initialMessage={page.message} onLoggedIn={(me) => setPage({ kind: 'agent', me })} />;
    case 'agent':
      return <AgentView key={page.me.user.id} me={page.me} onLogout={onLogout} onLinkLost={onLinkLost} />;
  }
}
