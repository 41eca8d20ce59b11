// SGR escape sequences (colours, bold, dim, italic, underline) into styled segments; every other escape is dropped.

export interface Segment { text: string; classes: string }

interface Style { fg?: string; bg?: string; bold?: boolean; dim?: boolean; italic?: boolean; underline?: boolean }

const NAMES = ['black', 'red', 'green', 'yellow', 'blue', 'magenta', 'cyan', 'white'];
// ESC [ params final-byte, and the OSC form ESC ] ... BEL/ST (hyperlinks, titles).
const ESCAPE = /\u001b\[([0-9;?]*)([@-~])|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g;

function classes(style: Style): string {
  const list: string[] = [];
  if (style.fg) list.push(`fg-${style.fg}`);
  if (style.bg) list.push(`bg-${style.bg}`);
  if (style.bold) list.push('ansi-bold');
  if (style.dim) list.push('ansi-dim');
  if (style.italic) list.push('ansi-italic');
  if (style.underline) list.push('ansi-underline');
  return list.join(' ');
}

function apply(style: Style, params: number[]): Style {
  const next = { ...style };
  for (let i = 0; i < params.length; i++) {
    const p = params[i];
    if (p === 0) Object.keys(next).forEach((k) => delete next[k as keyof Style]);
    else if (p === 1) next.bold = true;
    else if (p === 2) next.dim = true;
    else if (p === 3) next.italic = true;
    else if (p === 4) next.underline = true;
    else if (p === 22) { next.bold = false; next.dim = false; }
    else if (p === 23) next.italic = false;
    else if (p === 24) next.underline = false;
    else if (p >= 30 && p <= 37) next.fg = NAMES[p - 30];
    else if (p >= 90 && p <= 97) next.fg = `bright-${NAMES[p - 90]}`;
    else if (p === 39) delete next.fg;
    else if (p >= 40 && p <= 47) next.bg = NAMES[p - 40];
    else if (p >= 100 && p <= 107) next.bg = `bright-${NAMES[p - 100]}`;
    else if (p === 49) delete next.bg;
    else if (p === 38 || p === 48) {
      // 256-colour and true-colour forms: nearest of the 16 named colours is enough for a build log.
      const mode = params[i + 1];
      const key = p === 38 ? 'fg' : 'bg';
      if (mode === 5) { next[key] = indexed(params[i + 2] ?? 7); i += 2; }
      else if (mode === 2) { next[key] = rgb(params[i + 2] ?? 0, params[i + 3] ?? 0, params[i + 4] ?? 0); i += 4; }
    }
  }
  return next;
}

function indexed(n: number): string {
  if (n < 8) return NAMES[n];
  if (n < 16) return `bright-${NAMES[n - 8]}`;
  if (n >= 232) return n < 244 ? 'bright-black' : 'white';
  const c = n - 16;
  return rgb(Math.floor(c / 36) * 51, (Math.floor(c / 6) % 6) * 51, (c % 6) * 51);
}

function rgb(r: number, g: number, b: number): string {
  const bright = Math.max(r, g, b) > 170;
  const name = NAMES[(r > 100 ? 1 : 0) + (g > 100 ? 2 : 0) + (b > 100 ? 4 : 0)];
  return bright && name !== 'white' && name !== 'black' ? `bright-${name}` : name;
}

/** The text split where its style changes; `carry` is the style left open by the previous line. */
export function parseAnsi(line: string, carry: Style = {}): { segments: Segment[]; style: Style } {
  const segments: Segment[] = [];
  let style = carry;
  let last = 0;
  for (const match of line.matchAll(ESCAPE)) {
    if (match.index! > last) segments.push({ text: line.substring(last, match.index), classes: classes(style) });
    if (match[2] === 'm') {
      const params = match[1] === '' ? [0] : match[1].split(';').map((v) => Number.parseInt(v || '0', 10));
      style = apply(style, params);
    }
    last = match.index! + match[0].length;
  }
  if (last < line.length) segments.push({ text: line.substring(last), classes: classes(style) });
  return { segments, style };
}

/** The visible text of a line (for search). */
export function stripAnsi(line: string): string {
  return line.replace(ESCAPE, '');
}
