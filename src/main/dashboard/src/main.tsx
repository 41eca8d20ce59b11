import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { Api, type User, hasSession, onSignedOut } from './api';
import { Loading, useAction } from './components';
import { AuthPage } from './pages/auth';
import { DeploymentPage } from './pages/deployment';
import { NewProjectPage } from './pages/newProject';
import { ProjectPage, type Tab } from './pages/project';
import { ProjectsPage } from './pages/projects';
import { followLink, navigate, usePath } from './router';
import { ThemeToggle, applyStoredTheme } from './theme';
import './styles.css';

applyStoredTheme();

function Page({ path }: { path: string }) {
  let m: RegExpMatchArray | null;
  if (path === '/' || path === '/projects') return <ProjectsPage />;
  if (path === '/new') return <NewProjectPage />;
  if ((m = path.match(/^\/projects\/([a-z0-9-]+)(?:\/(env|domains|git|settings))?\/?$/))) {
    return <ProjectPage key={m[1]} name={m[1]} tab={(m[2] ?? '') as Tab} />;
  }
  if ((m = path.match(/^\/deployments\/([A-Za-z0-9_-]+)\/?$/))) return <DeploymentPage key={m[1]} id={m[1]} />;
  return <main id="main"><h1 tabIndex={-1}>Page not found</h1><p><a href="/">Back to your projects</a></p></main>;
}

function Header({ user, onLogout }: { user?: User; onLogout: () => void }) {
  const logout = useAction();
  return <header class="top">
    <a class="brand" href={user ? '/' : '/login'}><img src="/favicon.svg" alt="" width="24" height="24" />Ferry</a>
    <nav aria-label="Main" class="row">
      {user && <a href="/">Projects</a>}
      <ThemeToggle />
      {user && <>
        <span class="muted user" title={user.email}>{user.email}</span>
        <button type="button" class="small" disabled={logout.busy}
          onClick={() => logout.run(async () => { await Api.logout(); onLogout(); })}>Log out</button>
      </>}
    </nav>
  </header>;
}

function App() {
  const path = usePath();
  const [user, setUser] = useState<User | null | undefined>(undefined);

  useEffect(() => {
    // Without the CSRF cookie (set with the session, cleared at logout) there is no session to ask about.
    if (hasSession()) Api.user().then(setUser, () => setUser(null));
    else setUser(null);
    return onSignedOut(() => setUser(null));
  }, []);

  const publicPage = path === '/login' || path === '/signup';
  useEffect(() => {
    if (user === null && !publicPage) navigate('/login', true);
    if (user && publicPage) navigate('/', true);
  }, [user, publicPage]);

  // A new page: its title, and focus on its heading so that screen readers announce it.
  useEffect(() => {
    const heading = document.querySelector<HTMLElement>('main h1');
    document.title = heading?.textContent ? `${heading.textContent} · Ferry` : 'Ferry';
    if (document.activeElement === document.body || document.activeElement?.closest('header, main') == null) {
      heading?.focus();
    }
  }, [path, user]);

  let content;
  if (user === undefined) content = <main id="main"><Loading /></main>;
  else if (user === null || publicPage) {
    content = <AuthPage key={path} mode={path === '/signup' ? 'signup' : 'login'} onSignedIn={(u) => {
      setUser(u);
      navigate('/', true);
    }} />;
  } else content = <Page path={path} />;

  return <div class="app" onClick={(e) => followLink(e as unknown as MouseEvent)}>
    <a class="skip" href="#main">Skip to content</a>
    <Header user={user ?? undefined} onLogout={() => { setUser(null); navigate('/login'); }} />
    {content}
  </div>;
}

render(<App />, document.getElementById('app')!);
