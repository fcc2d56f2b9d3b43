/**
 * Why a release failed, in the canary's own words, with one precedence for the guard's
 * notification, the release provider's error and `canary status`: the outcome record's reason
 * (written by the stepper or the final verdict when they fail the release), else the reason of a
 * stepper state that finished failed. Callers add CodeDeploy's message after it, never before.
 */
export function recordedReason(outcomeDoc: unknown, state?: { readonly finished?: string; readonly reason?: string }): string | undefined {
  const reason = (outcomeDoc as { reason?: unknown } | undefined)?.reason;
  if (typeof reason === 'string' && reason.length > 0) return reason;
  if (state?.finished === 'failed' && typeof state.reason === 'string' && state.reason.length > 0) return state.reason;
  return undefined;
}
