import type { Deployment } from './api';

const UNITS: [number, string][] = [[60, 's'], [60, 'm'], [24, 'h'], [30, 'd'], [12, 'mo'], [Infinity, 'y']];

/** "5s", "3m", "2h", "4d"... */
export function span(millis: number): string {
  let value = Math.max(0, Math.round(millis / 1000));
  for (const [size, unit] of UNITS) {
    if (value < size) return `${value}${unit}`;
    value = Math.floor(value / size);
  }
  return `${value}y`;
}

export function age(iso: string, now = Date.now()): string {
  return `${span(now - Date.parse(iso))} ago`;
}

/** Build time: from building to ready; still running: so far; failed or canceled: unknown ("—"). */
export function duration(d: Deployment, now = Date.now()): string {
  const start = d.buildingAt ? Date.parse(d.buildingAt) : Date.parse(d.createdAt);
  if (d.readyAt) return span(Date.parse(d.readyAt) - start);
  if (d.state === 'BUILDING' || d.state === 'DEPLOYING') return span(now - start);
  return '—';
}

export function fullTime(iso: string): string {
  return new Date(iso).toLocaleString();
}

export function shortSha(sha?: string): string {
  return sha ? sha.substring(0, 7) : '';
}

export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
