import { useEffect, useState } from 'preact/hooks';

// Client-side routes over the History API; the server answers index.html for every page path.

const listeners = new Set<() => void>();

export function navigate(to: string, replace = false): void {
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  listeners.forEach((l) => l());
}

window.addEventListener('popstate', () => listeners.forEach((l) => l()));

export function usePath(): string {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const update = () => setPath(location.pathname);
    listeners.add(update);
    return () => { listeners.delete(update); };
  }, []);
  return path;
}

/** Follows a plain left click on a same-origin link without reloading; modified clicks open as usual. */
export function followLink(event: MouseEvent): void {
  const anchor = (event.target as Element).closest('a');
  if (!anchor || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey
    || event.shiftKey || event.altKey || anchor.target || anchor.origin !== location.origin
    || anchor.hasAttribute('download') || anchor.pathname.startsWith('/api/')) {
    return;
  }
  event.preventDefault();
  navigate(anchor.pathname + anchor.search);
}
