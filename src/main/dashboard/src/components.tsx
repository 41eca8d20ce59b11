import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, type DeploymentState } from './api';

/** Loads once per `deps` change; `reload` asks again. Errors are kept, not thrown. */
export function useAsync<T>(load: () => Promise<T>, deps: unknown[]) {
  const [state, setState] = useState<{ data?: T; error?: ApiError; loading: boolean }>({ loading: true });
  const counter = useRef(0);
  const reload = useCallback(() => {
    const call = ++counter.current;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => call === counter.current && setState({ data, loading: false }),
      (error) => call === counter.current && setState({ error: asApiError(error), loading: false }),
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  useEffect(reload, [reload]);
  return { ...state, reload, set: (data: T) => setState({ data, loading: false }) };
}

export function asApiError(error: unknown): ApiError {
  return error instanceof ApiError ? error : new ApiError(0, String(error));
}

/** Runs an action, keeping its error and whether it is under way, for buttons and forms. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>();
  const run = useCallback(async (action: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
      return true;
    } catch (e) {
      setError(asApiError(e));
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run, clear: () => setError(undefined) };
}

export function ErrorMessage({ error }: { error?: ApiError }) {
  if (!error) return null;
  return <p class="error" role="alert">{error.message}</p>;
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return <p class="muted" role="status" aria-live="polite">{label}</p>;
}

const STATE_LABEL: Record<DeploymentState, string> = {
  QUEUED: 'Queued', BUILDING: 'Building', DEPLOYING: 'Deploying', READY: 'Ready', ERROR: 'Error',
  CANCELED: 'Canceled',
};

export function StateBadge({ state }: { state: DeploymentState | undefined }) {
  if (!state) return <span class="badge state-none">No deployments</span>;
  return <span class={`badge state-${state.toLowerCase()}`} data-state={state}>
    <span class="dot" aria-hidden="true" />{STATE_LABEL[state]}
  </span>;
}

interface FieldProps {
  label: string; name: string; value: string; onValue: (v: string) => void; error?: ApiError; hint?: string;
  type?: 'text' | 'email' | 'password' | 'url'; placeholder?: string; required?: boolean; autoComplete?: string;
}

export function Field({ label, name, value, onValue, error, hint, type = 'text', ...rest }: FieldProps) {
  const id = `field-${name}`;
  const problem = error?.fieldError(name);
  const describedBy = [hint ? `${id}-hint` : '', problem ? `${id}-error` : ''].filter(Boolean).join(' ');
  return <div class="field">
    <label for={id}>{label}</label>
    {/* preact 11 types each input type apart; the union of the four is fine at runtime */}
    <input id={id} name={name} type={type as 'text'} value={value} onInput={(e) => onValue(e.currentTarget.value)}
      aria-invalid={problem ? 'true' : undefined} aria-describedby={describedBy || undefined} {...rest} />
    {hint && <small id={`${id}-hint`} class="muted">{hint}</small>}
    {problem && <small id={`${id}-error`} class="field-error">{problem}</small>}
  </div>;
}

/** A modal dialog (the native <dialog>: focus stays inside, Escape closes it). */
export function Dialog({ open, title, onClose, children }:
  { open: boolean; title: string; onClose: () => void; children: ComponentChildren }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return <dialog ref={ref} onClose={onClose} aria-labelledby="dialog-title">
    <h2 id="dialog-title">{title}</h2>
    {open && children}
  </dialog>;
}

export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      setCopied(false);
    }
  };
  return <button type="button" class="small" onClick={copy}>
    {copied ? 'Copied' : label}<span class="visually-hidden" aria-live="polite">{copied ? ' to clipboard' : ''}</span>
  </button>;
}

export function PageTitle({ children, actions }: { children: ComponentChildren; actions?: ComponentChildren }) {
  return <div class="page-title">
    <h1 tabIndex={-1}>{children}</h1>
    {actions && <div class="actions">{actions}</div>}
  </div>;
}

/** Ticks every `ms` so that ages and running durations stay current. */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}
