import { useState } from 'preact/hooks';
import { Api, type EnvVar, type Project } from '../api';
import { ErrorMessage, Field, Loading, useAction, useAsync } from '../components';
import { age } from '../format';

const TARGETS = ['production', 'preview', 'development'] as const;

export function EnvTab({ project }: { project: Project }) {
  const list = useAsync(() => Api.env(project.name), [project.name]);
  return <>
    <AddEnvVar project={project} onAdded={list.reload} />
    <section class="card" aria-labelledby="env-heading">
      <h2 id="env-heading">Variables</h2>
      <ErrorMessage error={list.error} />
      {list.loading && !list.data && <Loading />}
      {list.data && list.data.items.length === 0 && <p class="muted">No environment variables yet.</p>}
      {list.data && list.data.items.length > 0 && <ul class="list" aria-label="Environment variables">
        {list.data.items.map((v) => <EnvRow key={v.id} project={project} variable={v} onRemoved={list.reload} />)}
      </ul>}
    </section>
  </>;
}

function EnvRow({ project, variable, onRemoved }: { project: Project; variable: EnvVar; onRemoved: () => void }) {
  const [value, setValue] = useState<string | undefined>();
  const action = useAction();
  return <li class="list-row" data-env={variable.key}>
    <div>
      <strong class="mono">{variable.key}</strong>
      <span class={`badge ${variable.type}`}>{variable.type}</span>
      {variable.buildTime && <span class="badge">build-time</span>}
      <div class="muted">{variable.targets.join(', ')} · added {age(variable.createdAt)}</div>
      {value !== undefined && <code class="value">{value}</code>}
      <ErrorMessage error={action.error} />
    </div>
    <div class="actions">
      {variable.type === 'plain' && value === undefined && <button type="button" class="small"
        onClick={() => action.run(async () => setValue((await Api.envValue(project.name, variable.id)).value ?? ''))}>
        Show value<span class="visually-hidden"> of {variable.key}</span></button>}
      <button type="button" class="small danger" disabled={action.busy}
        onClick={() => action.run(async () => { await Api.removeEnv(project.name, variable.id); onRemoved(); })}>
        Remove<span class="visually-hidden"> {variable.key}</span></button>
    </div>
  </li>;
}

function AddEnvVar({ project, onAdded }: { project: Project; onAdded: () => void }) {
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const [targets, setTargets] = useState<string[]>(['production', 'preview']);
  const [secret, setSecret] = useState(true);
  const [buildTime, setBuildTime] = useState(true);
  const action = useAction();
  const toggle = (target: string, on: boolean) =>
    setTargets(on ? [...targets, target] : targets.filter((t) => t !== target));
  const submit = (event: Event) => {
    event.preventDefault();
    action.run(async () => {
      await Api.addEnv(project.name, { key: key.trim(), value, targets, type: secret ? 'secret' : 'plain', buildTime });
      setKey('');
      setValue('');
      onAdded();
    });
  };
  return <form class="card form" onSubmit={submit} noValidate aria-labelledby="add-env-heading">
    <h2 id="add-env-heading">Add a variable</h2>
    <div class="two">
      <Field label="Key" name="key" value={key} onValue={setKey} required autoComplete="off" error={action.error}
        placeholder="API_URL" />
      <Field label="Value" name="value" value={value} onValue={setValue} autoComplete="off" error={action.error}
        type={secret ? 'password' : 'text'} />
    </div>
    <fieldset>
      <legend>Targets</legend>
      {TARGETS.map((t) => <label key={t} class="check"><input type="checkbox" name="targets" value={t}
        checked={targets.includes(t)} onChange={(e) => toggle(t, e.currentTarget.checked)} /> {t}</label>)}
      {action.error?.fieldError('targets') && <small class="field-error">{action.error.fieldError('targets')}</small>}
    </fieldset>
    <label class="check"><input type="checkbox" name="secret" checked={secret}
      onChange={(e) => setSecret(e.currentTarget.checked)} /> Secret (never shown again, masked in build logs)</label>
    <label class="check"><input type="checkbox" name="buildTime" checked={buildTime}
      onChange={(e) => setBuildTime(e.currentTarget.checked)} /> Available to the install and build commands</label>
    <ErrorMessage error={action.error} />
    <button type="submit" class="primary" disabled={action.busy}>{action.busy ? 'Adding…' : 'Add variable'}</button>
  </form>;
}
