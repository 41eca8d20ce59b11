import { useState } from 'preact/hooks';
import { Api, type Domain, type Project } from '../api';
import { CopyButton, ErrorMessage, Field, Loading, useAction, useAsync } from '../components';
import { fullTime } from '../format';

/** Custom domains: the DNS records to set, verification, and the certificate's state. */
export function DomainsTab({ project }: { project: Project }) {
  const list = useAsync(() => Api.domains(project.name), [project.name]);
  // The project exists (it was just loaded): a 404 here means this server has no domain endpoints.
  if (list.error?.status === 404 || list.error?.status === 405) {
    return <div class="card empty" role="status">
      <p>Custom domains are not available on this server yet.</p>
    </div>;
  }
  return <>
    <AddDomain project={project} onAdded={list.reload} />
    <section aria-labelledby="domains-heading">
      <h2 id="domains-heading" class="visually-hidden">Domains</h2>
      <ErrorMessage error={list.error} />
      {list.loading && !list.data && <Loading />}
      {list.data && list.data.items.length === 0 && <p class="muted card">No custom domains yet.</p>}
      {list.data?.items.map((d) => <DomainCard key={d.name} project={project} domain={d} onChange={list.reload} />)}
    </section>
  </>;
}

function AddDomain({ project, onAdded }: { project: Project; onAdded: () => void }) {
  const [name, setName] = useState('');
  const action = useAction();
  const submit = (event: Event) => {
    event.preventDefault();
    action.run(async () => {
      await Api.addDomain(project.name, name.trim());
      setName('');
      onAdded();
    });
  };
  return <form class="card form inline-form" onSubmit={submit} noValidate aria-label="Add a domain">
    <Field label="Domain" name="name" value={name} onValue={setName} placeholder="www.example.com"
      autoComplete="off" error={action.error} />
    <button type="submit" class="primary" disabled={action.busy || !name.trim()}>Add domain</button>
    <ErrorMessage error={action.error} />
  </form>;
}

function DomainCard({ project, domain, onChange }: { project: Project; domain: Domain; onChange: () => void }) {
  const [current, setCurrent] = useState(domain);
  const action = useAction();
  const cert = current.certificate?.status ?? 'pending';
  return <article class="card domain" aria-labelledby={`domain-${current.name}`}>
    <div class="row spread">
      <h3 id={`domain-${current.name}`} class="mono">{current.name}</h3>
      <div class="row">
        <span class={`badge ${current.verified ? 'ok' : 'warn'}`}>{current.verified ? 'Verified' : 'Not verified'}</span>
        <span class={`badge cert-${cert}`}>Certificate: {cert}
          {current.certificate?.expiresAt && <> (until {fullTime(current.certificate.expiresAt)})</>}</span>
      </div>
    </div>
    {!current.verified && <>
      <p>Set these DNS records at your DNS provider, then verify:</p>
      <table class="dns">
        <thead><tr><th scope="col">Type</th><th scope="col">Name</th><th scope="col">Value</th><th scope="col">
          <span class="visually-hidden">Copy</span></th></tr></thead>
        <tbody>{current.verification.map((r) => <tr key={r.type + r.name + r.value}>
          <td data-label="Type">{r.type}</td><td data-label="Name" class="mono">{r.name}</td>
          <td data-label="Value" class="mono break">{r.value}</td>
          <td><CopyButton text={r.value} label={`Copy ${r.type} value`} /></td>
        </tr>)}</tbody>
      </table>
    </>}
    <ErrorMessage error={action.error} />
    <div class="row">
      {!current.verified && <button type="button" disabled={action.busy}
        onClick={() => action.run(async () => setCurrent(await Api.verifyDomain(project.name, current.name)))}>
        {action.busy ? 'Checking…' : 'Verify now'}</button>}
      <button type="button" class="danger small" disabled={action.busy}
        onClick={() => action.run(async () => { await Api.removeDomain(project.name, current.name); onChange(); })}>
        Remove<span class="visually-hidden"> {current.name}</span></button>
    </div>
  </article>;
}
