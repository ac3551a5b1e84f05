// Issue #7, point 1: SIGKILL at random points during import, consent, destruction, backup,
// keyring writes, open and close, on one register reused across every kill. The harness and what
// it checks after each kill are described in test/crash/harness.ts; `npm run soak` runs the same
// with more kills.
import { describe, expect, it } from 'vitest';
import { type CampaignSummary, runCampaign } from './harness.ts';

let campaign: CampaignSummary | undefined;

describe('crash safety under SIGKILL', () => {
  it('after each of 50 kills the register opens, passes integrity_check and the audit chain, and every operation is all or nothing', async () => {
    const s = await runCampaign({ kills: 50, seed: 20261121, seedPersons: 400, importRows: [200, 1000] });
    expect(s.violations).toEqual([]);
    expect(s.kills).toBeGreaterThanOrEqual(50);
    campaign = s;
    // Most kills must land inside an operation (a "begin" with no "end"), not between them.
    const inside = Object.entries(s.landed)
      .filter(([k]) => !['between', 'after close', 'open'].includes(k) && !k.includes(':'))
      .reduce((sum, [, v]) => sum + v, 0);
    expect(inside).toBeGreaterThanOrEqual(20);
  }, 600_000);

  // Kept apart from the all-or-nothing checks above: leftovers are clutter, not damage.
  it('clears the leftovers of a killed backup (`*.partial-<pid>` and its `-journal`) at the next backup', () => {
    expect(campaign, 'the campaign above did not run').toBeDefined();
    expect(campaign!.backups.survivors).toEqual([]);
  });

  // The checks must be able to fail: an operation done in two commits on purpose and killed in
  // between is reported.
  it.each([
    ['consent', /consent event without its audit row|consent events ↔ consent\.give/],
    ['backup', /does not pass inspectBackup/],
    ['destroy', /gone from the name index/],
  ] as const)(
    'reports a half-done %s',
    async (kind, message) => {
      const s = await runCampaign({ kills: 1, seed: 7, sabotage: kind, seedPersons: 40, importRows: [50, 50] });
      expect(s.violations).toHaveLength(1);
      expect(s.violations[0]).toMatch(message);
    },
    120_000,
  );
});
