/** Reading the AppSpec a CodeDeploy ECS deployment was created with (JSON, as our release writes it). */
import type { DeploymentInfo } from '@aws-sdk/client-codedeploy';

export interface EcsAppSpec {
  readonly version?: string;
  readonly Resources?: Array<{
    TargetService?: {
      Type?: string;
      Properties?: { TaskDefinition?: string; LoadBalancerInfo?: { ContainerName?: string; ContainerPort?: number } };
    };
  }>;
  readonly Hooks?: Array<Record<string, string>>;
}

/** The AppSpec text of a deployment (AppSpecContent or String revision), if it has one. */
export function appSpecText(d: DeploymentInfo | undefined): string | undefined {
  return d?.revision?.appSpecContent?.content ?? d?.revision?.string?.content ?? undefined;
}

/** The AppSpec as an object; undefined when absent or not JSON (YAML AppSpecs are not read). */
export function parseAppSpec(text: string | undefined): EcsAppSpec | undefined {
  if (!text) return undefined;
  try {
    const doc = JSON.parse(text) as unknown;
    return typeof doc === 'object' && doc !== null && !Array.isArray(doc) ? (doc as EcsAppSpec) : undefined;
  } catch {
    return undefined;
  }
}

export function taskDefinitionOf(d: DeploymentInfo | undefined): string | undefined {
  return parseAppSpec(appSpecText(d))?.Resources?.[0]?.TargetService?.Properties?.TaskDefinition;
}
