import type { LambdaCheckConfig } from '../../../lib/runtime-config';
import type { Clients } from '../../shared/clients';
import { errorMessage } from '../../shared/errors';

/** What a user's check function receives. */
export interface LambdaCheckPayload {
  readonly deploymentId: string;
  readonly applicationName: string;
  readonly deploymentGroupName: string;
  readonly testBaseUrl?: string;
  /** Healthy targets of the green target group. */
  readonly greenTargets: { ip: string; port: number }[];
}

/** `arn:aws:lambda:...:function:name[:alias]` -> `name[:alias]`, for reasons people read. */
export function functionLabel(functionArn: string): string {
  return /:function:(.+)$/.exec(functionArn)?.[1] ?? functionArn;
}

/**
 * Invokes the user's function synchronously. It fails the check by throwing (FunctionError) or
 * by returning `{ "ok": false, "reason": "..." }`; anything else passes. Returns the reason or
 * undefined. A function that cannot be invoked fails the check too: no pass on what did not run.
 */
export async function runLambdaCheck(clients: Clients, check: LambdaCheckConfig, payload: LambdaCheckPayload): Promise<string | undefined> {
  const label = `lambda check ${functionLabel(check.functionArn)}`;
  let res;
  try {
    // Imported on first use: only services with a Lambda check invoke one (bench/cold-init.ts).
    const lambda = await import('@aws-sdk/client-lambda');
    res = await clients.lambda.send(new lambda.InvokeCommand({
      FunctionName: check.functionArn,
      InvocationType: 'RequestResponse',
      Payload: new TextEncoder().encode(JSON.stringify(payload)),
    }));
  } catch (err) {
    return `${label}: could not invoke: ${errorMessage(err)}`;
  }
  const text = res.Payload ? new TextDecoder().decode(res.Payload) : '';
  const reply = parseJson(text);
  if (res.FunctionError) {
    const e = reply as { errorType?: unknown; errorMessage?: unknown } | undefined;
    const what = [e?.errorType, e?.errorMessage].filter((x) => typeof x === 'string').join(': ');
    return `${label}: ${res.FunctionError} error${what ? `: ${what}` : ''}`;
  }
  if (res.StatusCode !== undefined && res.StatusCode !== 200) return `${label}: invoke returned status ${res.StatusCode}`;
  const r = reply as { ok?: unknown; reason?: unknown } | undefined;
  if (r && typeof r === 'object' && r.ok === false) {
    return `${label}: ${typeof r.reason === 'string' && r.reason ? r.reason : 'returned ok: false'}`;
  }
  return undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
