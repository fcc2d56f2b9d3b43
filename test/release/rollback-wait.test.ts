/**
 * Rollbacks that do not wedge CloudFormation: when the release resource meets CodeDeploy's
 * rollback of a release it started (creator codeDeployRollback, rollbackTriggeringDeploymentId
 * pointing at our marked deployment), it waits for it, bounded, instead of failing on the
 * conflict (which would leave the stack in UPDATE_ROLLBACK_FAILED).
 */
import { CreateDeploymentCommand } from '@aws-sdk/client-codedeploy';
import { ReleaseConflictError } from '../../lambda/release/errors';
import { REQUEST_LOOKBACK_MS, ROLLBACK_WAIT_MS, isComplete, onEvent } from '../../lambda/release/release';
import type { IsCompleteRequest, ReleaseDeps, ReleaseRequest } from '../../lambda/release/types';
import { logger } from '../../lambda/shared/logger';
import { FakeAws, NOW, RESOURCE, TD1, TD2, TD3, ourDescription, updateRequest } from './fake-release';

let aws: FakeAws;
beforeAll(() => logger.setLogLevel('SILENT'));
beforeEach(() => {
  aws = new FakeAws();
});

/** The injected clock: `minutes` after NOW (the request's start). */
const at = (minutes: number): ReleaseDeps => ({ ...aws.deps(), now: () => new Date(NOW.getTime() + minutes * 60_000) });

async function start(req: ReleaseRequest): Promise<IsCompleteRequest> {
  return { ...req, ...(await onEvent(req, at(0))) };
}

/**
 * Our release d-REL of TD2 failed after the replacement became PRIMARY; CodeDeploy's rollback
 * d-RB is running. CloudFormation now rolls the stack back: Update TD2 -> TD1.
 */
function failedReleaseRollingBack(releaseResource = RESOURCE): void {
  aws.addDeployment({
    deploymentId: 'd-REL', status: 'Failed', creator: 'user', description: ourDescription(TD2, undefined, releaseResource),
    rollbackInfo: { rollbackDeploymentId: 'd-RB', rollbackMessage: 'Deployment d-REL failed: the canary rolled back' },
  });
  aws.addDeployment({
    deploymentId: 'd-RB', status: 'InProgress', creator: 'codeDeployRollback',
    rollbackInfo: { rollbackTriggeringDeploymentId: 'd-REL' },
  });
  aws.runs(TD2, TD1);
}

describe("CodeDeploy's rollback of our own release in flight", () => {
  test('the CloudFormation rollback waits for it (OnConflict fail) and completes once it ended', async () => {
    failedReleaseRollingBack();

    const next = await start(updateRequest(TD2, TD1));
    expect(next.CanaryRelease).toEqual({
      phase: 'pending',
      since: new Date(NOW.getTime() - REQUEST_LOOKBACK_MS).toISOString(),
      reason: `waiting for CodeDeploy's rollback d-RB of release deployment d-REL (${TD2}) is InProgress`,
    });

    await expect(isComplete(next, at(5))).resolves.toEqual({ IsComplete: false });

    // The rollback ended: the service runs TD1 again, which is what the stack goes back to.
    aws.setStatus('d-RB', 'Succeeded');
    aws.runs(TD1);
    await expect(isComplete(next, at(8))).resolves.toEqual({
      IsComplete: true,
      Data: { DeploymentId: '', Deployment: expect.any(String), Summary: `the service already runs ${TD1}; no deployment needed` },
    });
    expect(aws.codedeploy).not.toHaveReceivedCommand(CreateDeploymentCommand);
  });

  test('a new release right after a failed one waits for the rollback, then starts', async () => {
    failedReleaseRollingBack();

    const next = await start(updateRequest(TD2, TD3));
    expect(next.CanaryRelease).toMatchObject({ phase: 'pending' });

    aws.setStatus('d-RB', 'Succeeded');
    aws.runs(TD1);
    await expect(isComplete(next, at(3))).resolves.toEqual({ IsComplete: false });
    expect(aws.codedeploy).toHaveReceivedCommandTimes(CreateDeploymentCommand, 1);
    expect(aws.codedeploy).toHaveReceivedCommandWith(CreateDeploymentCommand, { description: expect.stringContaining(TD3) });
  });

  test('the wait is bounded: past ROLLBACK_WAIT_MS after the request started it fails with a clear reason', async () => {
    failedReleaseRollingBack();
    const next = await start(updateRequest(TD2, TD1));
    const limit = ROLLBACK_WAIT_MS / 60_000;

    await expect(isComplete(next, at(limit))).resolves.toEqual({ IsComplete: false });
    const err = await isComplete(next, at(limit + 1)).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(ReleaseConflictError);
    expect((err as Error).message).toBe(
      `cannot release ${TD1}: CodeDeploy's rollback d-RB of release deployment d-REL (${TD2}) is InProgress after ${limit + 1} min `
      + `(the release waits at most ${limit} min for it). Follow it with npx canary watch; once it has ended, run cdk deploy again `
      + '(or continue-update-rollback for a stack in UPDATE_ROLLBACK_FAILED).',
    );
  });

  test("another stack's release being rolled back is still a conflict (OnConflict fail)", async () => {
    failedReleaseRollingBack('0123456789ab');
    await expect(onEvent(updateRequest(TD2, TD1), at(0))).rejects.toThrow(/deployment d-RB of shop-app\/shop-group is InProgress \(not started by this stack\)/);
  });

  test('a rollback someone started by hand (creator user) is a conflict, not waited for', async () => {
    failedReleaseRollingBack();
    aws.setStatus('d-RB', 'InProgress', { creator: 'user' });
    await expect(onEvent(updateRequest(TD2, TD1), at(0))).rejects.toBeInstanceOf(ReleaseConflictError);
  });
});
