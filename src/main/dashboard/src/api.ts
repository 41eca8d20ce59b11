// The dashboard speaks only the HTTP API (API.md). It authenticates with the HttpOnly session cookie the auth
// endpoints set; state-changing requests echo the readable ferry_csrf cookie in X-CSRF-Token (double submit).

export interface User { id: string; email: string; createdAt?: string }
export interface Project {
  id: string; name: string; gitRepoUrl: string | null; gitBranch: string; rootDirectory: string | null;
  framework: string | null; installCommand: string | null; buildCommand: string | null;
  outputDirectory: string | null; productionUrl: string | null; productionDeploymentId: string | null;
  createdAt: string; updatedAt: string; gitAccessTokenSet?: boolean; githubWebhookSecretSet?: boolean;
}
export type DeploymentState = 'QUEUED' | 'BUILDING' | 'DEPLOYING' | 'READY' | 'ERROR' | 'CANCELED';
export interface Deployment {
  id: string; projectId: string; state: DeploymentState; target: 'production' | 'preview'; initiator?: string;
  source: { type: 'git' | 'files'; ref?: string; branch?: string; commitSha?: string; commitMessage?: string;
    commitAuthor?: string; prebuilt?: boolean };
  url: string; aliases: string[]; framework: string | null; errorMessage?: string;
  createdAt: string; buildingAt?: string; readyAt?: string;
}
export interface EnvVar {
  id: string; key: string; targets: string[]; type: 'plain' | 'secret'; buildTime: boolean; createdAt: string;
  value?: string;
}
export interface Domain {
  name: string; verified: boolean; verification: { type: 'TXT' | 'CNAME' | 'A'; name: string; value: string }[];
  certificate: { status: 'pending' | 'active' | 'failed'; expiresAt?: string }; createdAt: string;
}
export interface DeployHook { id: string; name: string; ref: string; url?: string; createdAt?: string }
export interface LogLine { seq: number; at: string; stream: 'stdout' | 'stderr' | 'system'; text: string }
export interface List<T> { items: T[]; next: string | null }
export interface FieldError { field: string; message: string }

/** A problem+json answer (or a failure to reach the API) as an exception. */
export class ApiError extends Error {
  constructor(readonly status: number, message: string, readonly errors: FieldError[] = []) {
    super(message);
  }
  fieldError(field: string): string | undefined {
    return this.errors.find((e) => e.field === field)?.message;
  }
}

const listeners = new Set<() => void>();
/** Called when the session is gone (refresh refused): the app shows the login page. */
export function onSignedOut(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function csrfToken(): string {
  const match = document.cookie.split(';').map((c) => c.trim()).find((c) => c.startsWith('ferry_csrf='));
  return match ? decodeURIComponent(match.substring('ferry_csrf='.length)) : '';
}

async function send(method: string, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET') headers['X-CSRF-Token'] = csrfToken();
  try {
    return await fetch(path, {
      method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'The Ferry API cannot be reached. Check your connection and try again.');
  }
}

/** Whether this browser holds a session (its refresh cookie comes with the readable CSRF cookie). */
export function hasSession(): boolean {
  return csrfToken() !== '';
}

let refreshing: Promise<boolean> | null = null;

/** Rotates the session with the refresh cookie; one refresh at a time however many requests hit a 401. */
export function refreshSession(): Promise<boolean> {
  if (!hasSession()) return Promise.resolve(false);
  refreshing ??= send('POST', '/api/v1/auth/refresh', {})
    .then((r) => r.ok)
    .catch(() => false)
    .finally(() => setTimeout(() => { refreshing = null; }, 0));
  return refreshing;
}

async function problem(response: Response): Promise<ApiError> {
  let detail = `${response.status} ${response.statusText}`;
  let errors: FieldError[] = [];
  try {
    const json = await response.json();
    detail = json.detail || json.title || detail;
    if (Array.isArray(json.errors)) errors = json.errors;
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(response.status, detail, errors);
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  let response = await send(method, path, body);
  if (response.status === 401 && !path.startsWith('/api/v1/auth/')) {
    if (await refreshSession()) {
      response = await send(method, path, body);
    }
    if (response.status === 401) {
      listeners.forEach((l) => l());
    }
  }
  if (!response.ok) throw await problem(response);
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export const enc = encodeURIComponent;

/**
 * Projects deleted from this page. The project list is a read model that follows the journal a moment later, so a
 * project just deleted may still be listed: the dashboard leaves these out.
 */
export const deletedProjects = new Set<string>();

export const Api = {
  user: () => api<User>('GET', '/api/v1/user'),
  signup: (email: string, password: string) => api<{ user: User }>('POST', '/api/v1/auth/signup', { email, password }),
  login: (email: string, password: string) => api<{ user: User }>('POST', '/api/v1/auth/login', { email, password }),
  logout: () => api<void>('POST', '/api/v1/auth/logout'),
  projects: () => api<List<Project>>('GET', '/api/v1/projects?limit=100'),
  project: (p: string) => api<Project>('GET', `/api/v1/projects/${enc(p)}`),
  createProject: (body: Record<string, string>) => api<Project>('POST', '/api/v1/projects', body),
  updateProject: (p: string, body: Record<string, string | null>) =>
    api<Project>('PATCH', `/api/v1/projects/${enc(p)}`, body),
  deleteProject: (p: Project) => api<void>('DELETE', `/api/v1/projects/${enc(p.id)}`)
    .then(() => { deletedProjects.add(p.id); }),
  detectFramework: (body: Record<string, string>) => api<Detection>('POST', '/api/v1/framework-detection', body),
  deployments: (p: string, limit = 20, cursor?: string | null) => api<List<Deployment>>('GET',
    `/api/v1/projects/${enc(p)}/deployments?limit=${limit}${cursor ? `&cursor=${enc(cursor)}` : ''}`),
  deploy: (p: string, body: { ref?: string; target?: string }) =>
    api<Deployment>('POST', `/api/v1/projects/${enc(p)}/deployments`, body),
  deployment: (id: string) => api<Deployment>('GET', `/api/v1/deployments/${enc(id)}`),
  cancel: (id: string) => api<Deployment>('POST', `/api/v1/deployments/${enc(id)}/cancel`),
  promote: (p: string, deploymentId: string) =>
    api<Project>('POST', `/api/v1/projects/${enc(p)}/promote`, { deploymentId }),
  rollback: (p: string, deploymentId?: string) =>
    api<Project>('POST', `/api/v1/projects/${enc(p)}/rollback`, deploymentId ? { deploymentId } : {}),
  env: (p: string) => api<List<EnvVar>>('GET', `/api/v1/projects/${enc(p)}/env?limit=100`),
  envValue: (p: string, id: string) => api<EnvVar>('GET', `/api/v1/projects/${enc(p)}/env/${enc(id)}`),
  addEnv: (p: string, body: { key: string; value: string; targets: string[]; type: string; buildTime: boolean }) =>
    api<EnvVar>('POST', `/api/v1/projects/${enc(p)}/env`, body),
  removeEnv: (p: string, id: string) => api<void>('DELETE', `/api/v1/projects/${enc(p)}/env/${enc(id)}`),
  domains: (p: string) => api<List<Domain>>('GET', `/api/v1/projects/${enc(p)}/domains`),
  addDomain: (p: string, name: string) => api<Domain>('POST', `/api/v1/projects/${enc(p)}/domains`, { name }),
  verifyDomain: (p: string, name: string) =>
    api<Domain>('POST', `/api/v1/projects/${enc(p)}/domains/${enc(name)}/verify`),
  removeDomain: (p: string, name: string) => api<void>('DELETE', `/api/v1/projects/${enc(p)}/domains/${enc(name)}`),
  hooks: (p: string) => api<List<DeployHook>>('GET', `/api/v1/projects/${enc(p)}/deploy-hooks`),
  addHook: (p: string, name: string, ref: string) =>
    api<DeployHook>('POST', `/api/v1/projects/${enc(p)}/deploy-hooks`, { name, ref }),
  removeHook: (p: string, id: string) => api<void>('DELETE', `/api/v1/projects/${enc(p)}/deploy-hooks/${enc(id)}`),
};

export interface Detection {
  framework: string; installCommand: string | null; buildCommand: string | null; outputDirectory: string | null;
  commitSha?: string; commitMessage?: string;
}

export function isFinished(state: DeploymentState): boolean {
  return state === 'READY' || state === 'ERROR' || state === 'CANCELED';
}
