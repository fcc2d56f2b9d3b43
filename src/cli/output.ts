/** Where a command writes, and the small formatting helpers every command shares. */
export interface Output {
  /** One line (no trailing newline) on stdout. */
  line(text?: string): void;
  /** One line on stderr. */
  error(text: string): void;
  /** Raw text on stdout (terminal control for `watch`). */
  write(text: string): void;
  /** stdout is a terminal: `watch` redraws in place instead of printing a line per change. */
  readonly isTTY: boolean;
}

export function processOutput(): Output {
  return {
    line: (text = '') => process.stdout.write(`${text}\n`),
    error: (text) => process.stderr.write(`${text}\n`),
    write: (text) => process.stdout.write(text),
    isTTY: Boolean(process.stdout.isTTY),
  };
}

/** An Output that keeps everything, for tests and for rendering into a string. */
export class BufferOutput implements Output {
  readonly lines: string[] = [];
  readonly errors: string[] = [];
  readonly raw: string[] = [];
  constructor(public readonly isTTY = false) {}
  line(text = ''): void {
    this.lines.push(text);
  }
  error(text: string): void {
    this.errors.push(text);
  }
  write(text: string): void {
    this.raw.push(text);
  }
  get text(): string {
    return this.lines.join('\n');
  }
}

/** 330 -> "5 min 30 s", 60 -> "1 min", 7200 -> "2 h". */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  const parts: string[] = [];
  if (h) parts.push(`${h} h`);
  if (m) parts.push(`${m} min`);
  if (rest || parts.length === 0) parts.push(`${rest} s`);
  return parts.join(' ');
}

/** Seconds since the rehearsal's traffic start -> "+12:05" (minutes:seconds). */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return `+${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

/** ISO time without milliseconds: 2025-06-02T10:05:00Z. */
export function isoTime(d: Date | string | undefined): string {
  if (d === undefined) return '-';
  const date = typeof d === 'string' ? new Date(d) : d;
  if (Number.isNaN(date.getTime())) return String(d);
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** `[#####---------------]` for a percent, `width` characters inside the brackets. */
export function bar(percent: number, width = 20): string {
  const filled = Math.max(0, Math.min(width, Math.round((percent / 100) * width)));
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

/** Left-aligned columns; every row has the same number of cells. */
export function table(rows: string[][], gap = 2): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => { widths[i] = Math.max(widths[i] ?? 0, cell.length); });
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] + gap))).join('').trimEnd());
}

/** `arn:...:targetgroup/api-tg-a/0123` -> `api-tg-a`; anything else is returned as it is. */
export function shortArn(arn: string | undefined): string {
  if (!arn) return '-';
  const m = /:(?:targetgroup|listener\/app|loadbalancer\/app)\/([^/]+)/.exec(arn);
  return m ? m[1] : arn;
}
