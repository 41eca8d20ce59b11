import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { Api, type Deployment, type LogLine, type Project, isFinished } from '../api';
import { ErrorMessage, Loading, PageTitle, StateBadge, asApiError, useAction, useAsync, useNow } from '../components';
import { age, duration, fullTime, hostOf, shortSha } from '../format';
import { LogView, type ParsedLine, appendLines, parseNdjson } from '../logs';
import { navigate } from '../router';

interface Loaded { deployment: Deployment; project: Project }

export function DeploymentPage({ id }: { id: string }) {
  const now = useNow();
  const loaded = useAsync<Loaded>(async () => {
    const deployment = await Api.deployment(id);
    return { deployment, project: await Api.project(deployment.projectId) };
  }, [id]);
  const [tab, setTab] = useState<'build' | 'runtime'>('build');
  const data = loaded.data;
  const reload = loaded.reload;
  const running = data ? !isFinished(data.deployment.state) : false;
  // The log socket says when the build ends; the state is also polled, in case the socket cannot connect.
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(reload, 4000);
    return () => clearInterval(timer);
  }, [running, reload]);

  if (loaded.error) return <main id="main"><PageTitle>Deployment</PageTitle><ErrorMessage error={loaded.error} /></main>;
  if (!data) return <main id="main"><PageTitle>Deployment</PageTitle><Loading /></main>;
  const { deployment: d, project } = data;
  const current = project.productionDeploymentId === d.id;
  return <main id="main">
    <p class="breadcrumb"><a href={`/projects/${project.name}`}>{project.name}</a> / deployment</p>
    <PageTitle actions={<Actions deployment={d} project={project} current={current} onDone={reload} />}>
      <span class="mono">{d.id}</span>
    </PageTitle>
    <section class="card details" aria-label="Deployment details">
      <dl>
        <div><dt>State</dt><dd><StateBadge state={d.state} /></dd></div>
        <div><dt>Target</dt><dd>{d.target}{current && <span class="badge current">Current production</span>}</dd></div>
        <div><dt>URL</dt><dd>{d.state === 'READY'
          ? <a href={d.url} target="_blank" rel="noopener noreferrer" data-testid="deployment-url">{hostOf(d.url)}</a>
          : <span class="muted">{hostOf(d.url)} (once ready)</span>}</dd></div>
        {d.aliases.length > 0 && <div><dt>Aliases</dt><dd>{d.aliases.map((a) =>
          <a key={a} href={a} target="_blank" rel="noopener noreferrer" class="alias">{hostOf(a)}</a>)}</dd></div>}
        <div><dt>Source</dt><dd>{d.source.type === 'git'
          ? <>{d.source.branch ?? d.source.ref} {d.source.commitSha && <span class="mono">{shortSha(d.source.commitSha)}</span>}
            {d.source.commitMessage && <> · {d.source.commitMessage.split('\n')[0]}</>}</>
          : <>Uploaded files{d.source.prebuilt ? ' (prebuilt)' : ''}</>}</dd></div>
        <div><dt>Framework</dt><dd>{d.framework ?? <span class="muted">detected during the build</span>}</dd></div>
        <div><dt>Created</dt><dd><time dateTime={d.createdAt} title={fullTime(d.createdAt)}>{age(d.createdAt, now)}</time></dd></div>
        <div><dt>Duration</dt><dd>{duration(d, now)}</dd></div>
      </dl>
      {d.errorMessage && <p class="error" role="alert">{d.errorMessage}</p>}
    </section>
    <div class="tabs" role="tablist" aria-label="Logs">
      <button type="button" role="tab" id="tab-build" aria-selected={tab === 'build'} aria-controls="panel-build"
        onClick={() => setTab('build')}>Build log</button>
      <button type="button" role="tab" id="tab-runtime" aria-selected={tab === 'runtime'} aria-controls="panel-runtime"
        onClick={() => setTab('runtime')}>Runtime logs</button>
    </div>
    <div role="tabpanel" id="panel-build" aria-labelledby="tab-build" hidden={tab !== 'build'}>
      <BuildLog id={d.id} onEnd={reload} />
    </div>
    <div role="tabpanel" id="panel-runtime" aria-labelledby="tab-runtime" hidden={tab !== 'runtime'}>
      {tab === 'runtime' && <RuntimeLog id={d.id} />}
    </div>
  </main>;
}

function Actions({ deployment: d, project, current, onDone }:
  { deployment: Deployment; project: Project; current: boolean; onDone: () => void }) {
  const action = useAction();
  const [message, setMessage] = useState('');
  const act = (label: string, work: () => Promise<unknown>) => action.run(async () => {
    setMessage('');
    await work();
    setMessage(label);
    onDone();
  });
  const redeployRef = d.source.commitSha ?? d.source.ref ?? d.source.branch;
  return <>
    {d.state === 'READY' && !current && <button type="button" class="primary" disabled={action.busy}
      onClick={() => act('Promoted to production.', () => Api.promote(project.id, d.id))}>Promote to production</button>}
    {current && <button type="button" disabled={action.busy}
      onClick={() => act('Rolled back to the previous production deployment.', () => Api.rollback(project.id))}>
      Roll back</button>}
    {d.source.type === 'git' && redeployRef && <button type="button" disabled={action.busy}
      onClick={() => action.run(async () => {
        const next = await Api.deploy(project.id, { ref: redeployRef, target: d.target });
        navigate(`/deployments/${next.id}`);
      })}>Redeploy</button>}
    {!isFinished(d.state) && <button type="button" class="danger" disabled={action.busy}
      onClick={() => act('Canceled.', () => Api.cancel(d.id))}>Cancel</button>}
    <span role="status" class="muted action-status">{message}</span>
    {action.error && <span class="error" role="alert">{action.error.message}</span>}
  </>;
}

function socketUrl(id: string, since: number): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}/api/v1/deployments/${encodeURIComponent(id)}/logs/ws${since ? `?since=${since}` : ''}`;
}

/** The build log, live over the WebSocket until the build ends (reconnecting from the last line if it drops). */
function BuildLog({ id, onEnd }: { id: string; onEnd: () => void }) {
  const [lines, setLines] = useState<ParsedLine[]>([]);
  const [status, setStatus] = useState('Connecting…');
  const pending = useRef<LogLine[]>([]);
  const lastSeq = useRef(0);
  const end = useRef(onEnd);
  end.current = onEnd;

  const flush = useCallback(() => {
    const batch = pending.current;
    pending.current = [];
    if (batch.length) setLines((old) => appendLines(old, batch));
  }, []);

  useEffect(() => {
    let disposed = false;
    let socket: WebSocket | undefined;
    let timer: ReturnType<typeof setInterval> | undefined;
    setLines([]);
    lastSeq.current = 0;
    const connect = () => {
      socket = new WebSocket(socketUrl(id, lastSeq.current));
      socket.onopen = () => setStatus('Live');
      socket.onmessage = (event) => {
        try {
          const line = JSON.parse(String(event.data)) as LogLine;
          if (line.seq > lastSeq.current) {
            lastSeq.current = line.seq;
            pending.current.push(line);
          }
        } catch {
          // not a log line: ignored
        }
      };
      socket.onclose = async () => {
        flush();
        if (disposed) return;
        // The server closes the socket when the build has ended and every line was sent.
        try {
          const deployment = await Api.deployment(id);
          if (disposed) return;
          if (isFinished(deployment.state)) {
            setStatus(`Build ended: ${deployment.state}`);
            end.current();
          } else {
            setStatus('Reconnecting…');
            setTimeout(() => !disposed && connect(), 1000);
          }
        } catch (e) {
          setStatus(`Disconnected: ${asApiError(e).message}`);
        }
      };
    };
    // A request first, so that an expired session is refreshed before the socket sends its cookie.
    Api.deployment(id).then(() => !disposed && connect(), (e) => setStatus(`Cannot load: ${asApiError(e).message}`));
    timer = setInterval(flush, 100);
    return () => {
      disposed = true;
      clearInterval(timer);
      socket?.close();
    };
  }, [id, flush]);

  return <LogView lines={lines} label="Build log" status={status} />;
}

function RuntimeLog({ id }: { id: string }) {
  const [lines, setLines] = useState<ParsedLine[]>([]);
  const [status, setStatus] = useState('Loading…');
  const load = useCallback(async () => {
    setStatus('Loading…');
    try {
      const response = await fetch(`/api/v1/deployments/${encodeURIComponent(id)}/logs?source=runtime`,
        { credentials: 'same-origin', headers: { Accept: 'application/x-ndjson' } });
      if (!response.ok) {
        setStatus(response.status === 400 || response.status === 404
          ? 'Runtime logs are not available for this deployment.' : `Cannot load: ${response.status}`);
        return;
      }
      setLines(appendLines([], parseNdjson(await response.text())));
      setStatus(`Loaded ${new Date().toLocaleTimeString()}`);
    } catch {
      setStatus('The Ferry API cannot be reached.');
    }
  }, [id]);
  useEffect(() => { load(); }, [load]);
  return <>
    <p class="row"><button type="button" class="small" onClick={load}>Refresh</button>
      <span class="muted">Output of this deployment's functions (static files log nothing here).</span></p>
    <LogView lines={lines} label="Runtime logs" status={status} />
  </>;
}
