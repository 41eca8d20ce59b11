import { useState } from 'preact/hooks';
import { Api, type DeployHook, type Project } from '../api';
import { CopyButton, ErrorMessage, Field, Loading, useAction, useAsync } from '../components';

/** Deploy hooks, and how to point a GitHub webhook at this project (URL and a secret of its own). */
export function HooksTab({ project, onChange }: { project: Project; onChange: () => void }) {
  return <>
    <Webhook project={project} onChange={onChange} />
    <DeployHooks project={project} />
  </>;
}

function randomSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function Webhook({ project, onChange }: { project: Project; onChange: () => void }) {
  const [secret, setSecret] = useState<string | undefined>();
  const action = useAction();
  const url = `${location.origin}/api/v1/webhooks/github?project=${encodeURIComponent(project.name)}`;
  const generate = () => action.run(async () => {
    const value = randomSecret();
    await Api.updateProject(project.name, { githubWebhookSecret: value });
    setSecret(value);
    onChange();
  });
  return <section class="card" aria-labelledby="webhook-heading">
    <h2 id="webhook-heading">Deploy on push (GitHub webhook)</h2>
    <ol class="steps">
      <li>In the repository's settings on GitHub, open <em>Webhooks → Add webhook</em>.</li>
      <li>Payload URL: <code class="break" data-testid="webhook-url">{url}</code> <CopyButton text={url} label="Copy URL" /></li>
      <li>Content type: <code>application/json</code>.</li>
      <li>Secret: {secret
        ? <><code class="break" data-testid="webhook-secret">{secret}</code> <CopyButton text={secret} label="Copy secret" />
          <strong> Copy it now: it is not shown again.</strong></>
        : project.githubWebhookSecretSet
          ? <>this project has a secret (not shown again). Generate a new one to replace it.</>
          : <>generate one for this project.</>}
        {' '}<button type="button" class="small" disabled={action.busy} onClick={generate}>
          {project.githubWebhookSecretSet || secret ? 'Generate a new secret' : 'Generate secret'}</button></li>
      <li>Events: <em>Pushes</em> and <em>Pull requests</em>.</li>
    </ol>
    <ErrorMessage error={action.error} />
    <p class="muted">A push to {project.gitBranch} deploys to production; other branches and pull requests get
      previews.</p>
  </section>;
}

function DeployHooks({ project }: { project: Project }) {
  const list = useAsync(() => Api.hooks(project.name), [project.name]);
  const [name, setName] = useState('');
  const [ref, setRef] = useState('');
  const [created, setCreated] = useState<DeployHook | undefined>();
  const action = useAction();
  const submit = (event: Event) => {
    event.preventDefault();
    action.run(async () => {
      setCreated(await Api.addHook(project.name, name.trim(), ref.trim() || project.gitBranch));
      setName('');
      setRef('');
      list.reload();
    });
  };
  return <section class="card" aria-labelledby="hooks-heading">
    <h2 id="hooks-heading">Deploy hooks</h2>
    <p class="muted">A secret URL that deploys a branch whenever something POSTs to it (a CMS, a cron job).</p>
    <form class="inline-form" onSubmit={submit} noValidate aria-label="Create a deploy hook">
      <Field label="Name" name="name" value={name} onValue={setName} placeholder="CMS" error={action.error} />
      <Field label="Branch" name="ref" value={ref} onValue={setRef} placeholder={project.gitBranch} error={action.error} />
      <button type="submit" class="primary" disabled={action.busy || !name.trim()}>Create hook</button>
    </form>
    <ErrorMessage error={action.error} />
    {created?.url && <div class="notice" role="status">
      <p>Hook <strong>{created.name}</strong> created. Its URL is shown only now:</p>
      <p><code class="break">{created.url}</code> <CopyButton text={created.url} label="Copy hook URL" /></p>
      <p class="muted">Trigger it with <code>curl -X POST '{created.url}'</code></p>
    </div>}
    <ErrorMessage error={list.error} />
    {list.loading && !list.data && <Loading />}
    {list.data && list.data.items.length > 0 && <ul class="list" aria-label="Deploy hooks">
      {list.data.items.map((h) => <HookRow key={h.id} project={project} hook={h} onRemoved={list.reload} />)}
    </ul>}
  </section>;
}

function HookRow({ project, hook, onRemoved }: { project: Project; hook: DeployHook; onRemoved: () => void }) {
  const action = useAction();
  return <li class="list-row">
    <div><strong>{hook.name}</strong> <span class="muted">deploys {hook.ref}</span><ErrorMessage error={action.error} /></div>
    <button type="button" class="small danger" disabled={action.busy}
      onClick={() => action.run(async () => { await Api.removeHook(project.name, hook.id); onRemoved(); })}>
      Remove<span class="visually-hidden"> {hook.name}</span></button>
  </li>;
}
