import { useEffect, useState } from 'preact/hooks';
import { Api, type Deployment, type List, type Project, isFinished } from '../api';
import {
  Dialog, ErrorMessage, Field, Loading, PageTitle, StateBadge, useAction, useAsync, useNow,
} from '../components';
import { age, duration, fullTime, hostOf, shortSha } from '../format';
import { navigate } from '../router';
import { DomainsTab } from './domains';
import { EnvTab } from './env';
import { HooksTab } from './hooks';
import { SettingsTab } from './settings';

const TABS = [
  ['', 'Deployments'], ['env', 'Environment variables'], ['domains', 'Domains'], ['git', 'Git & hooks'],
  ['settings', 'Settings'],
] as const;
export type Tab = typeof TABS[number][0];

export function ProjectPage({ name, tab }: { name: string; tab: Tab }) {
  const project = useAsync(() => Api.project(name), [name]);
  const p = project.data;
  const base = `/projects/${name}`;
  return <main id="main">
    <PageTitle actions={p && <DeployButton project={p} />}>{name}</PageTitle>
    {p && <p class="row muted project-meta">
      {p.productionUrl
        ? <a href={p.productionUrl} target="_blank" rel="noopener noreferrer">{hostOf(p.productionUrl)}</a>
        : <span>Not in production yet</span>}
      {p.gitRepoUrl && <span>{p.gitRepoUrl} · {p.gitBranch}</span>}
    </p>}
    <nav class="tabs" aria-label="Project">
      {TABS.map(([slug, label]) => <a key={slug} href={slug ? `${base}/${slug}` : base}
        aria-current={tab === slug ? 'page' : undefined}>{label}</a>)}
    </nav>
    <ErrorMessage error={project.error} />
    {project.loading && !p && <Loading />}
    {p && tab === '' && <DeploymentsTab project={p} />}
    {p && tab === 'env' && <EnvTab project={p} />}
    {p && tab === 'domains' && <DomainsTab project={p} />}
    {p && tab === 'git' && <HooksTab project={p} onChange={project.reload} />}
    {p && tab === 'settings' && <SettingsTab project={p} onSaved={project.set} />}
  </main>;
}

function DeployButton({ project }: { project: Project }) {
  const [open, setOpen] = useState(false);
  const [ref, setRef] = useState('');
  const [target, setTarget] = useState('');
  const action = useAction();
  if (!project.gitRepoUrl) return null;
  const submit = (event: Event) => {
    event.preventDefault();
    action.run(async () => {
      const deployment = await Api.deploy(project.name, {
        ...(ref.trim() ? { ref: ref.trim() } : {}), ...(target ? { target } : {}),
      });
      setOpen(false);
      navigate(`/deployments/${deployment.id}`);
    });
  };
  return <>
    <button type="button" class="primary" onClick={() => { action.clear(); setOpen(true); }}>Deploy</button>
    <Dialog open={open} title={`Deploy ${project.name}`} onClose={() => setOpen(false)}>
      <form onSubmit={submit} noValidate>
        <Field label="Branch or commit" name="ref" value={ref} onValue={setRef} placeholder={project.gitBranch}
          error={action.error} hint={`Empty: the production branch (${project.gitBranch}).`} />
        <div class="field">
          <label for="field-target">Target</label>
          <select id="field-target" name="target" value={target} onChange={(e) => setTarget(e.currentTarget.value)}>
            <option value="">Automatic (production for the production branch)</option>
            <option value="production">Production</option>
            <option value="preview">Preview</option>
          </select>
        </div>
        <ErrorMessage error={action.error} />
        <div class="row">
          <button type="submit" class="primary" disabled={action.busy}>{action.busy ? 'Starting…' : 'Deploy'}</button>
          <button type="button" onClick={() => setOpen(false)}>Cancel</button>
        </div>
      </form>
    </Dialog>
  </>;
}

function DeploymentsTab({ project }: { project: Project }) {
  const now = useNow();
  const [pages, setPages] = useState<List<Deployment>[]>([]);
  const first = useAsync(() => Api.deployments(project.name, 20), [project.name]);
  const more = useAction();
  const running = first.data?.items.some((d) => !isFinished(d.state));
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(first.reload, 3000);
    return () => clearInterval(timer);
  }, [running, first.reload]);
  const lists = first.data ? [first.data, ...pages] : [];
  const items = lists.flatMap((l) => l.items);
  const next = lists.length ? lists[lists.length - 1].next : null;
  if (first.error) return <ErrorMessage error={first.error} />;
  if (!first.data) return <Loading />;
  if (items.length === 0) {
    return <div class="card empty"><p>No deployments yet.</p>
      {project.gitRepoUrl ? <p>Use <strong>Deploy</strong> to build the production branch, or push to the repository
        with the webhook set up (Git &amp; hooks).</p> : <p>Deploy a folder with <code>ferry deploy</code>.</p>}</div>;
  }
  return <section aria-labelledby="deployments-heading">
    <h2 id="deployments-heading" class="visually-hidden">Deployments</h2>
    <table class="deployments">
      <thead><tr>
        <th scope="col">Deployment</th><th scope="col">State</th><th scope="col">Target</th>
        <th scope="col">Branch</th><th scope="col">Commit</th><th scope="col">Age</th><th scope="col">Duration</th>
      </tr></thead>
      <tbody>
        {items.map((d) => <tr key={d.id} data-deployment={d.id}>
          <td data-label="Deployment"><a href={`/deployments/${d.id}`}>{d.id}</a></td>
          <td data-label="State"><StateBadge state={d.state} /></td>
          <td data-label="Target">{d.target}
            {project.productionDeploymentId === d.id && <span class="badge current">Current</span>}</td>
          <td data-label="Branch">{d.source.branch ?? d.source.ref ?? (d.source.type === 'files' ? 'upload' : '')}</td>
          <td data-label="Commit" class="commit">{d.source.commitMessage
            ? <><span class="mono">{shortSha(d.source.commitSha)}</span> {d.source.commitMessage.split('\n')[0]}</>
            : <span class="muted">—</span>}</td>
          <td data-label="Age"><time dateTime={d.createdAt} title={fullTime(d.createdAt)}>{age(d.createdAt, now)}</time></td>
          <td data-label="Duration">{duration(d, now)}</td>
        </tr>)}
      </tbody>
    </table>
    <ErrorMessage error={more.error} />
    {next && <button type="button" disabled={more.busy} onClick={() => more.run(async () => {
      const page = await Api.deployments(project.name, 20, next);
      setPages([...pages, page]);
    })}>{more.busy ? 'Loading…' : 'Show older deployments'}</button>}
  </section>;
}
