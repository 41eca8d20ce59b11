import { Api, type Deployment, type Project, deletedProjects } from '../api';
import { ErrorMessage, Loading, PageTitle, StateBadge, useAsync, useNow } from '../components';
import { age, hostOf } from '../format';

interface Row { project: Project; latest?: Deployment }

/** The projects, each with its production URL and the state of its newest deployment. */
export function ProjectsPage() {
  const now = useNow(10_000);
  const rows = useAsync<Row[]>(async () => {
    const projects = (await Api.projects()).items.filter((p) => !deletedProjects.has(p.id));
    // One project's deployments failing to load leaves its state blank, not the whole list.
    return Promise.all(projects.map(async (project) => {
      const latest = await Api.deployments(project.id, 1).then((page) => page.items[0], () => undefined);
      return { project, latest };
    }));
  }, []);

  return <main id="main">
    <PageTitle actions={<a class="button primary" href="/new">New project</a>}>Projects</PageTitle>
    <ErrorMessage error={rows.error} />
    {rows.loading && !rows.data && <Loading />}
    {rows.data && rows.data.length === 0 && <div class="card empty">
      <p>No projects yet. Import a Git repository to deploy it.</p>
      <a class="button primary" href="/new">Create your first project</a>
    </div>}
    {rows.data && rows.data.length > 0 && <ul class="project-grid" aria-label="Projects">
      {rows.data.map(({ project, latest }) => <li key={project.id} class="card project-card">
        <h2><a href={`/projects/${project.name}`}>{project.name}</a></h2>
        <p class="muted repo">{project.gitRepoUrl ?? 'Uploaded with the CLI'}</p>
        <p>{project.productionUrl
          ? <a href={project.productionUrl} target="_blank" rel="noopener noreferrer">{hostOf(project.productionUrl)}</a>
          : <span class="muted">Not in production yet</span>}</p>
        <p class="row">
          <StateBadge state={latest?.state} />
          {latest && <span class="muted">{latest.target} · {age(latest.createdAt, now)}</span>}
        </p>
      </li>)}
    </ul>}
  </main>;
}
