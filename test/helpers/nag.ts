import { Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

export interface Acknowledgment {
  readonly path: string;
  readonly id: string;
  readonly reason: unknown;
}

/** Every rule acknowledged with `Validations.of(x).acknowledge()` under `root`, where and why. */
export function acknowledgments(root: IConstruct): Acknowledgment[] {
  const out: Acknowledgment[] = [];
  for (const c of root.node.findAll()) {
    for (const entry of c.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY || !entry.data) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, unknown>)) {
        out.push({ path: c.node.path, id, reason });
      }
    }
  }
  return out;
}
