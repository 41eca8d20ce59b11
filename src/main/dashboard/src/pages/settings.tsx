import { useState } from 'preact/hooks';
import { Api, type Project } from '../api';
import { Dialog, ErrorMessage, Field, useAction } from '../components';
import { navigate } from '../router';

const FIELDS = [
  ['gitRepoUrl', 'Repository URL', ''], ['gitBranch', 'Production branch', ''],
  ['rootDirectory', 'Root directory', '(repository root)'], ['framework', 'Framework preset', '(detected)'],
  ['installCommand', 'Install command', '(detected)'], ['buildCommand', 'Build command', '(detected)'],
  ['outputDirectory', 'Output directory', '(detected)'],
] as const;
type Key = typeof FIELDS[number][0];

function values(project: Project): Record<Key, string> {
  return Object.fromEntries(FIELDS.map(([key]) => [key, project[key] ?? ''])) as Record<Key, string>;
}

export function SettingsTab({ project, onSaved }: { project: Project; onSaved: (p: Project) => void }) {
  const [form, setForm] = useState(values(project));
  const [token, setToken] = useState('');
  const [saved, setSaved] = useState(false);
  const save = useAction();

  const submit = (event: Event) => {
    event.preventDefault();
    setSaved(false);
    save.run(async () => {
      const changes: Record<string, string | null> = {};
      for (const [key] of FIELDS) {
        if (form[key] !== (project[key] ?? '')) changes[key] = form[key].trim() === '' ? null : form[key].trim();
      }
      if (token) changes.gitAccessToken = token;
      const updated = await Api.updateProject(project.name, changes);
      setToken('');
      setForm(values(updated));
      onSaved(updated);
      setSaved(true);
    });
  };

  return <>
    <form class="card form" onSubmit={submit} noValidate aria-labelledby="settings-heading">
      <h2 id="settings-heading">Build and Git settings</h2>
      <div class="two">
        {FIELDS.map(([key, label, placeholder]) => <Field key={key} label={label} name={key} value={form[key]}
          placeholder={placeholder} error={save.error} onValue={(v) => setForm({ ...form, [key]: v })} />)}
      </div>
      <Field label="Git access token" name="gitAccessToken" type="password" value={token} onValue={setToken}
        autoComplete="off" error={save.error}
        hint={project.gitAccessTokenSet ? 'A token is set. Enter a new one to replace it (it is never shown).'
          : 'For a private repository: a token with read access. Write-only.'} />
      <ErrorMessage error={save.error} />
      <div class="row">
        <button type="submit" class="primary" disabled={save.busy}>{save.busy ? 'Saving…' : 'Save'}</button>
        <span role="status" class="muted">{saved ? 'Saved.' : ''}</span>
      </div>
    </form>
    <DeleteProject project={project} />
  </>;
}

function DeleteProject({ project }: { project: Project }) {
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState('');
  const action = useAction();
  const submit = (event: Event) => {
    event.preventDefault();
    action.run(async () => {
      await Api.deleteProject(project);
      setOpen(false);
      navigate('/');
    });
  };
  return <section class="card danger" aria-labelledby="delete-heading">
    <h2 id="delete-heading">Delete project</h2>
    <p>Deletes {project.name}: its deployments are no longer served, and its name becomes free for a new project.</p>
    <button type="button" class="danger" onClick={() => { setTyped(''); action.clear(); setOpen(true); }}>
      Delete project</button>
    <Dialog open={open} title={`Delete ${project.name}?`} onClose={() => setOpen(false)}>
      <form onSubmit={submit} noValidate>
        <p>This cannot be undone. Type <strong class="mono">{project.name}</strong> to confirm.</p>
        <Field label="Project name" name="confirm" value={typed} onValue={setTyped} autoComplete="off" />
        <ErrorMessage error={action.error} />
        <div class="row">
          <button type="submit" class="danger" disabled={typed !== project.name || action.busy}>Delete</button>
          <button type="button" onClick={() => setOpen(false)}>Cancel</button>
        </div>
      </form>
    </Dialog>
  </section>;
}
