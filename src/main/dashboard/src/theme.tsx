import { useState } from 'preact/hooks';

type Theme = 'system' | 'light' | 'dark';
const KEY = 'ferry-theme';

function stored(): Theme {
  try {
    const value = localStorage.getItem(KEY);
    return value === 'light' || value === 'dark' ? value : 'system';
  } catch {
    return 'system';
  }
}

function apply(theme: Theme): void {
  if (theme === 'system') document.documentElement.removeAttribute('data-theme');
  else document.documentElement.setAttribute('data-theme', theme);
}

export function applyStoredTheme(): void {
  apply(stored());
}

const NEXT: Record<Theme, Theme> = { system: 'light', light: 'dark', dark: 'system' };

/** Light, dark, or the system's choice (the default); remembered in this browser. */
export function ThemeToggle() {
  const [theme, setTheme] = useState<Theme>(stored());
  const change = () => {
    const next = NEXT[theme];
    try {
      if (next === 'system') localStorage.removeItem(KEY);
      else localStorage.setItem(KEY, next);
    } catch {
      // storage disabled: the choice lasts for this page only
    }
    apply(next);
    setTheme(next);
  };
  const label = theme === 'dark' ? 'Dark' : theme === 'light' ? 'Light' : 'Auto';
  return <button type="button" class="small" onClick={change} data-theme-choice={theme}
    title="Change the theme (auto follows the system)">
    <span aria-hidden="true">{theme === 'dark' ? '☾' : theme === 'light' ? '☀' : '◐'}</span> Theme: {label}
  </button>;
}
