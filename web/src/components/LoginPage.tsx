import { type FormEvent, useState } from 'react';
import { ApiFailure, describe, login } from '../api/client';
import type { Me } from '../api/types';

interface Props {
  onLoggedIn(me: Me): void;
  /** A message from before this page showed (session ended, server unreachable). */
  initialMessage: string | null;
}

function loginError(e: unknown): string {
  if (!(e instanceof ApiFailure)) return `Login failed: ${describe(e)}`;
  const wait = e.retryAfterSecs !== null ? ` Try again in ${e.retryAfterSecs} s.` : '';
  switch (e.status) {
    case 0:
      return `The server cannot be reached: ${e.message}.`;
    case 401:
      return 'Wrong tenant, user name or password.';
    case 403:
      return `Login refused: ${e.message}.`;
    case 423:
      return `This account is locked after too many failed logins.${wait || ' Try again later.'}`;
    case 429:
      return `Too many login attempts from this address.${wait || ' Try again later.'}`;
    default:
      return e.message.startsWith(String(e.status))
        ? `Login failed: the server answered ${e.message}.`
        : `Login failed (HTTP ${e.status}): ${e.message}`;
  }
}

export function LoginPage({ onLoggedIn, initialMessage }: Props) {
  const [tenant, setTenant] = useState('demo');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(initialMessage);
  const [busy, setBusy] = useState(false);
  /** Finished login attempts, so that a test can tell a new error from the previous one. */
  const [attempts, setAttempts] = useState(0);

  async function submit(ev: FormEvent) {
    ev.preventDefault();
    if (!tenant.trim() || !username.trim() || !password) {
      setError('Enter the tenant, your user name and your password.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      onLoggedIn(await login(tenant.trim(), username.trim(), password));
    } catch (e) {
      setError(loginError(e));
      setPassword('');
    } finally {
      setBusy(false);
      setAttempts((n) => n + 1);
    }
  }

  return (
    <main className="login">
      <form className="login-card" onSubmit={submit} noValidate>
        <h1>Switchboard</h1>
        <p className="muted">Agent console</p>
        <label>
          Tenant
          <input data-testid="login-tenant" value={tenant} autoComplete="organization"
            onChange={(e) => setTenant(e.target.value)} />
        </label>
        <label>
          User name
          <input data-testid="login-username" value={username} autoComplete="username" autoFocus
            onChange={(e) => setUsername(e.target.value)} />
        </label>
        <label>
          Password
          <input data-testid="login-password" type="password" value={password}
            autoComplete="current-password" onChange={(e) => setPassword(e.target.value)} />
        </label>
        <p className="error" role="alert" data-testid="login-error" data-attempts={attempts}>{error ?? '\u00a0'}</p>
        <button data-testid="login-submit" type="submit" className="primary" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
      </form>
    </main>
  );
}
