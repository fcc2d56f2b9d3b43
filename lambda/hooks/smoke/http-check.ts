import type { HttpCheckConfig } from '../../../lib/runtime-config';

/** Where an HTTP check is sent: the test base URL, or one green target directly. */
export interface SmokeTarget {
  /** How reasons name it: "10.0.1.7:8080" or the test URL's host. */
  readonly label: string;
  /** Scheme, host, port and optional path prefix, without a trailing slash. */
  readonly baseUrl: string;
}

export function baseUrlTarget(url: string): SmokeTarget {
  const parsed = new URL(url);
  const prefix = parsed.pathname.replace(/\/+$/, '');
  return { label: `${parsed.host}${prefix}`, baseUrl: `${parsed.origin}${prefix}` };
}

export function directTarget(t: { ip: string; port: number }): SmokeTarget {
  const host = t.ip.includes(':') ? `[${t.ip}]` : t.ip;
  return { label: `${host}:${t.port}`, baseUrl: `http://${host}:${t.port}` };
}

export interface HttpCheckOptions {
  /** Milliseconds, for measuring latency. @default performance.now */
  readonly now?: () => number;
}

/** "GET /health" */
export function describeHttpCheck(check: HttpCheckConfig): string {
  return `${check.method} ${check.path}`;
}

/**
 * Runs one check against each target in turn, `repeat` times each, and stops at the first
 * failed attempt. Returns that attempt's reason, or undefined when every attempt passed.
 * Sequential on purpose: a smoke test proves the version works, it is not a load test.
 */
export async function runHttpCheck(check: HttpCheckConfig, targets: readonly SmokeTarget[], options: HttpCheckOptions = {}): Promise<string | undefined> {
  let bodyPattern: RegExp | undefined;
  if (check.bodyMatches !== undefined) {
    try {
      bodyPattern = new RegExp(check.bodyMatches);
    } catch (err) {
      return `${describeHttpCheck(check)}: bodyMatches is not a valid regular expression (${(err as Error).message})`;
    }
  }
  const repeat = Math.max(1, Math.floor(check.repeat ?? 1));
  for (const target of targets) {
    for (let attempt = 1; attempt <= repeat; attempt++) {
      const problem = await httpAttempt(check, target, bodyPattern, options);
      if (problem) {
        const which = repeat > 1 ? ` (attempt ${attempt}/${repeat})` : '';
        return `${describeHttpCheck(check)} on ${target.label}: ${problem}${which}`;
      }
    }
  }
  return undefined;
}

/** One request; returns what differed from the expectation, or undefined. */
export async function httpAttempt(
  check: HttpCheckConfig,
  target: SmokeTarget,
  bodyPattern: RegExp | undefined,
  options: HttpCheckOptions = {},
): Promise<string | undefined> {
  const now = options.now ?? (() => performance.now());
  const path = check.path.startsWith('/') ? check.path : `/${check.path}`;
  const budget = check.latencyBudgetMs;
  const started = now();
  let status: number;
  let body: string;
  try {
    // The timeout signal also covers reading the body: the whole answer must arrive in budget.
    const res = await fetch(`${target.baseUrl}${path}`, {
      method: check.method,
      headers: check.headers,
      body: check.method === 'GET' || check.method === 'HEAD' ? undefined : check.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(budget),
    });
    status = res.status;
    body = await res.text();
  } catch (err) {
    const name = (err as Error)?.name;
    if (name === 'TimeoutError' || name === 'AbortError') return `no response within ${budget} ms`;
    return `request failed: ${fetchErrorText(err)}`;
  }
  const elapsed = Math.round(now() - started);
  const expected = check.expectStatus ?? [200];
  if (!expected.includes(status)) return `status ${status}, expected ${expected.join(' or ')}`;
  if (elapsed > budget) return `answered in ${elapsed} ms, budget ${budget} ms`;
  if (bodyPattern && !bodyPattern.test(body)) {
    return `body did not match /${bodyPattern.source}/ (got ${JSON.stringify(snippet(body))})`;
  }
  return undefined;
}

/** undici says "fetch failed" and puts what happened (ECONNREFUSED, ...) in `cause`. */
function fetchErrorText(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  if (cause?.code) return cause.code;
  if (cause?.message) return cause.message;
  return err instanceof Error ? err.message : String(err);
}

function snippet(body: string): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  return flat.length > 80 ? `${flat.slice(0, 80)}...` : flat;
}
