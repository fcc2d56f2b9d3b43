import { DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Clients } from '../shared/clients';

/** One registered target of a target group and what the load balancer thinks of it. */
export interface TargetState {
  /** The target's id: a private IP for Fargate (awsvpc) tasks. */
  readonly id: string;
  readonly port?: number;
  /** healthy | initial | unhealthy | unused | draining | unavailable | unhealthy.draining */
  readonly state: string;
  /** ELB's reason code, e.g. Target.FailedHealthChecks. */
  readonly reason?: string;
}

/** Every registered target of the group. DescribeTargetHealth is not paginated. */
export async function describeTargets(clients: Clients, targetGroupArn: string): Promise<TargetState[]> {
  const { TargetHealthDescriptions } = await clients.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }));
  return (TargetHealthDescriptions ?? []).map((d) => ({
    id: d.Target?.Id ?? 'unknown',
    port: d.Target?.Port,
    state: d.TargetHealth?.State ?? 'unknown',
    reason: d.TargetHealth?.Reason,
  }));
}

export const isHealthy = (t: TargetState): boolean => t.state === 'healthy';

/** `10.0.1.7:8080`; IPv6 ids are bracketed so the label is also a valid URL authority. */
export function targetLabel(t: { id: string; port?: number }): string {
  const host = t.id.includes(':') ? `[${t.id}]` : t.id;
  return t.port === undefined ? host : `${host}:${t.port}`;
}

/** `arn:...:targetgroup/api-green/0123` -> `api-green`, for reasons people read. */
export function targetGroupName(targetGroupArn: string): string {
  return /:targetgroup\/([^/]+)\//.exec(targetGroupArn)?.[1] ?? targetGroupArn;
}

/** "1 target unhealthy (Target.FailedHealthChecks), 2 targets initial (Elb.RegistrationInProgress)". */
export function summarizeStates(targets: readonly TargetState[]): string {
  const counts = new Map<string, number>();
  for (const t of targets) {
    const key = t.reason ? `${t.state} (${t.reason})` : t.state;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([key, n]) => `${n} target${n === 1 ? '' : 's'} ${key}`).join(', ');
}
