/** The CLI reads decision records with the functions' own decoder (lambda/shared/records.ts), not a copy. */
import { listRecords } from '../../lambda/shared/records';
import { latestDecision } from '../../src/cli/context';
import { FakeCliAws, TABLE } from './fixtures';

test('the latest decision is the newest decision record, decoded as the writers decode it', async () => {
  const aws = new FakeCliAws().install();
  const ctx = aws.context();
  aws.putItem('d-ONE', 'decision#2025-06-02T10:01:00.000Z#0001', 'decision', { outcome: 'pass', window: { from: 'a', to: 'b' } }, 'pass');
  aws.putItem('d-ONE', 'decision#2025-06-02T10:02:00.000Z#0002', 'decision', { outcome: 'fail', window: { from: 'b', to: 'c' } }, 'fail');
  aws.putItem('d-ONE', 'outcome', 'outcome', { result: 'failed' });

  const latest = await latestDecision(ctx, TABLE, 'd-ONE');
  const all = await listRecords(ctx.clients, TABLE, 'd-ONE');
  expect(latest).toEqual(all.find((r) => r.sk === 'decision#2025-06-02T10:02:00.000Z#0002'));
  expect(latest).toMatchObject({ deploymentId: 'd-ONE', kind: 'decision', outcome: 'fail', doc: { outcome: 'fail' } });
  expect(await latestDecision(ctx, TABLE, 'd-NONE')).toBeUndefined();
});
