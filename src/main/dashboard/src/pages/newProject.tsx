import { useState } from 'preact/hooks';
import { Api, ApiError, type Detection } from '../api';
import { ErrorMessage, Field, PageTitle, asApiError, useAction } from '../components';
import { navigate } from '../router';

const SETTINGS = [
  ['framework', 'Framework preset', 'e.g. vite, nextjs, astro, hugo, static'],
  ['installCommand', 'Install command', 'e.g. npm ci'],
  ['buildCommand', 'Build command', 'e.g. npm run build'],
  ['outputDirectory', 'Output directory', 'e.g. dist'],
] as const;
type Setting = typeof SETTINGS[number][0];

/** "https://github.com/acme/My_Site.git" → "my-site": a DNS label, as project names must be. */
export function nameFromUrl(url: string): string {
  const last = url.replace(/\/+$/, '').split(/[/:]/).pop() ?? '';
  return last.replace(/\.git$/, '').toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '')
    .substring(0, 63).replace(/-+$/, '');
}

export function NewProjectPage() {
  const [gitRepoUrl, setUrl] = useState('');
  const [name, setName] = useState('');
  const [nameTouched, setNameTouched] = useState(false);
  const [gitBranch, setBranch] = useState('main');
  const [rootDirectory, setRoot] = useState('');
  const [overrides, setOverrides] = useState<Record<Setting, string>>(
    { framework: '', installCommand: '', buildCommand: '', outputDirectory: '' });
  const [detection, setDetection] = useState<Detection | undefined>();
  const [detectionNote, setDetectionNote] = useState<string | undefined>();
  const [deployNow, setDeployNow] = useState(true);
  const detect = useAction();
  const create = useAction();

  const onUrl = (value: string) => {
    setUrl(value);
    setDetection(undefined);
    if (!nameTouched) setName(nameFromUrl(value));
  };

  const runDetection = () => detect.run(async () => {
    setDetectionNote(undefined);
    try {
      setDetection(await Api.detectFramework({ gitRepoUrl, gitBranch, ...(rootDirectory ? { rootDirectory } : {}) }));
    } catch (e) {
      const error = asApiError(e);
      if (error.status === 404 || error.status === 405) {
        setDetectionNote('This server cannot preview detection: the framework is detected when the first build runs.');
        return;
      }
      throw error;
    }
  });

  const submit = (event: Event) => {
    event.preventDefault();
    create.run(async () => {
      const body: Record<string, string> = { name, gitRepoUrl, gitBranch };
      if (rootDirectory) body.rootDirectory = rootDirectory;
      for (const [key] of SETTINGS) if (overrides[key].trim()) body[key] = overrides[key].trim();
      const project = await Api.createProject(body);
      if (deployNow) {
        try {
          const deployment = await Api.deploy(project.name, {});
          navigate(`/deployments/${deployment.id}`);
          return;
        } catch (e) {
          if (!(e instanceof ApiError)) throw e;
        }
      }
      navigate(`/projects/${project.name}`);
    });
  };

  return <main id="main">
    <PageTitle>New project</PageTitle>
    <form class="card form" onSubmit={submit} noValidate>
      <h2>Git repository</h2>
      <Field label="Repository URL" name="gitRepoUrl" type="url" required value={gitRepoUrl} onValue={onUrl}
        placeholder="https://github.com/you/site.git" error={create.error}
        hint="An https:// URL (a private repository's token can be added in the project's settings)." />
      <div class="two">
        <Field label="Production branch" name="gitBranch" value={gitBranch} onValue={setBranch} error={create.error} />
        <Field label="Root directory" name="rootDirectory" value={rootDirectory} onValue={setRoot}
          placeholder="(repository root)" error={create.error} />
      </div>
      <Field label="Project name" name="name" required value={name} error={create.error}
        onValue={(v) => { setName(v); setNameTouched(true); }}
        hint="Lower-case letters, digits and '-': it becomes the project's host name." />

      <h2>Build settings</h2>
      <div class="row">
        <button type="button" onClick={runDetection} disabled={!gitRepoUrl || detect.busy}>
          {detect.busy ? 'Detecting…' : 'Detect framework'}
        </button>
        <span role="status" aria-live="polite" class="muted" data-testid="detection">
          {detection && <>Detected <strong>{detection.framework}</strong>
            {detection.commitSha && <> at {detection.commitSha.substring(0, 7)}</>}</>}
          {detectionNote}
        </span>
      </div>
      <ErrorMessage error={detect.error} />
      <p class="muted">Leave a field empty to use what is detected from the repository at build time.</p>
      <div class="two">
        {SETTINGS.map(([key, label, example]) => <Field key={key} label={label} name={key} value={overrides[key]}
          onValue={(v) => setOverrides({ ...overrides, [key]: v })} error={create.error}
          placeholder={detection ? (detection[key] ?? '(none)') : example} />)}
      </div>
      <label class="check"><input type="checkbox" checked={deployNow}
        onChange={(e) => setDeployNow(e.currentTarget.checked)} /> Deploy the production branch now</label>
      <ErrorMessage error={create.error} />
      <div class="row">
        <button type="submit" class="primary" disabled={create.busy}>{create.busy ? 'Creating…' : 'Create project'}</button>
        <a href="/" class="button">Cancel</a>
      </div>
    </form>
  </main>;
}
