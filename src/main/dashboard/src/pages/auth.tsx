import { useState } from 'preact/hooks';
import { Api, type User } from '../api';
import { ErrorMessage, Field, useAction } from '../components';

export function AuthPage({ mode, onSignedIn }: { mode: 'login' | 'signup'; onSignedIn: (user: User) => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const action = useAction();
  const signup = mode === 'signup';

  const submit = (event: Event) => {
    event.preventDefault();
    action.run(async () => {
      const session = signup ? await Api.signup(email, password) : await Api.login(email, password);
      onSignedIn(session.user);
    });
  };

  return <main id="main" class="auth">
    <div class="card auth-card">
      <h1 tabIndex={-1}>{signup ? 'Create your Ferry account' : 'Log in to Ferry'}</h1>
      <form onSubmit={submit} noValidate>
        <Field label="E-mail" name="email" type="email" autoComplete="email" required value={email}
          onValue={setEmail} error={action.error} />
        <Field label="Password" name="password" type="password" required value={password} onValue={setPassword}
          autoComplete={signup ? 'new-password' : 'current-password'} error={action.error}
          hint={signup ? 'At least 10 characters.' : undefined} />
        <ErrorMessage error={action.error} />
        <button type="submit" class="primary" disabled={action.busy}>
          {action.busy ? 'Please wait…' : signup ? 'Sign up' : 'Log in'}
        </button>
      </form>
      <p class="muted">
        {signup ? <>Already have an account? <a href="/login">Log in</a></>
          : <>New to Ferry? <a href="/signup">Create an account</a></>}
      </p>
    </div>
  </main>;
}
