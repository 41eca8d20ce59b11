import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { LogLine } from './api';
import { type Segment, parseAnsi, stripAnsi } from './ansi';

/** How many lines a viewer keeps: a runaway build cannot make the page unusable. */
const MAX_LINES = 20_000;

export interface ParsedLine extends LogLine { segments: Segment[]; plain: string }

/** Adds lines, carrying ANSI styles from one line to the next, and drops the oldest past MAX_LINES. */
export function appendLines(lines: ParsedLine[], incoming: LogLine[]): ParsedLine[] {
  let carry = {};
  const parsed = incoming.map((line) => {
    const { segments, style } = parseAnsi(line.text, carry);
    carry = style;
    return { ...line, segments, plain: stripAnsi(line.text) };
  });
  const all = lines.concat(parsed);
  return all.length > MAX_LINES ? all.slice(all.length - MAX_LINES) : all;
}

export function parseNdjson(text: string): LogLine[] {
  return text.split('\n').filter((l) => l.trim()).flatMap((l) => {
    try {
      return [JSON.parse(l) as LogLine];
    } catch {
      return [];
    }
  });
}

function highlight(text: string, query: string): (string | preact.JSX.Element)[] {
  if (!query) return [text];
  const parts: (string | preact.JSX.Element)[] = [];
  const lower = text.toLowerCase();
  let from = 0;
  for (let at = lower.indexOf(query, from); at >= 0; at = lower.indexOf(query, from)) {
    if (at > from) parts.push(text.substring(from, at));
    parts.push(<mark key={at}>{text.substring(at, at + query.length)}</mark>);
    from = at + query.length;
  }
  if (from < text.length) parts.push(text.substring(from));
  return parts;
}

/** A log: ANSI colours, search with highlighting (optionally only matching lines), follow the end. */
export function LogView({ lines, label, status }: { lines: ParsedLine[]; label: string; status?: string }) {
  const [query, setQuery] = useState('');
  const [onlyMatches, setOnlyMatches] = useState(false);
  const [follow, setFollow] = useState(true);
  const box = useRef<HTMLDivElement>(null);
  const needle = query.trim().toLowerCase();
  const matching = useMemo(() => needle ? lines.filter((l) => l.plain.toLowerCase().includes(needle)) : lines,
    [lines, needle]);
  const shown = onlyMatches ? matching : lines;

  useEffect(() => {
    if (follow && box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [shown, follow]);

  const onScroll = () => {
    const el = box.current;
    if (!el) return;
    const atEnd = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
    if (atEnd !== follow) setFollow(atEnd);
  };
  const id = label.toLowerCase().replace(/[^a-z]+/g, '-');

  return <div class="log-view">
    <div class="log-toolbar">
      <label class="visually-hidden" for={`${id}-search`}>Search the {label.toLowerCase()}</label>
      <input id={`${id}-search`} type="search" placeholder="Search" value={query}
        onInput={(e) => setQuery(e.currentTarget.value)} />
      <span class="muted" role="status" aria-live="polite">
        {needle ? `${matching.length} matching line${matching.length === 1 ? '' : 's'}` : `${lines.length} lines`}
      </span>
      <label class="check"><input type="checkbox" checked={onlyMatches} disabled={!needle}
        onChange={(e) => setOnlyMatches(e.currentTarget.checked)} /> Only matches</label>
      <label class="check"><input type="checkbox" checked={follow}
        onChange={(e) => setFollow(e.currentTarget.checked)} /> Follow</label>
      {status && <span class="log-status" data-testid={`${id}-status`}>{status}</span>}
    </div>
    <div class="log" ref={box} onScroll={onScroll} tabIndex={0} role="log" aria-live="off" aria-label={label}>
      {shown.length === 0 && <div class="muted log-empty">{needle && onlyMatches ? 'No matching lines.' : 'No output yet.'}</div>}
      {shown.map((line) => <div key={line.seq} class={`log-line stream-${line.stream}`}>
        <span class="ln" aria-hidden="true">{line.seq}</span>
        <span class="text">{line.segments.map((s, i) => <span key={i} class={s.classes || undefined}>
          {highlight(s.text, needle)}</span>)}</span>
      </div>)}
    </div>
  </div>;
}
