// Every alert Plimsoll can raise, by rule or by push, links a runbook that exists in the
// repository and says what the alert means, how to confirm it and how to fix it.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { ALERT_NAMES } from '../../alerts/policy.js';
import { runbookUrl } from '../../alerts/problem-alert.js';
import { plimsollRuleGroups } from '../../alerts/rules.js';
import { DEFAULT_RUNBOOK_BASE_URL } from '../../core/config/schema.js';

const runbooks = fileURLToPath(new URL('../../docs/runbooks/', import.meta.url));

describe('runbooks', () => {
  const alerts = new Set([
    ...plimsollRuleGroups().flatMap((g) => g.rules.map((r) => r.alert)),
    ...Object.values(ALERT_NAMES),
  ]);

  it('exist for every alert, where the default runbook URL points', { timeout: 10_000 }, () => {
    assert.equal(
      DEFAULT_RUNBOOK_BASE_URL,
      'https://github.com/plimsoll/plimsoll/blob/main/docs/runbooks',
    );
    for (const alert of alerts) {
      assert.ok(runbookUrl(alert).endsWith(`/docs/runbooks/${alert}.md`));
      assert.ok(existsSync(`${runbooks}${alert}.md`), `docs/runbooks/${alert}.md`);
    }
  });

  it(
    'say what it means, how to confirm it with kubectl and PromQL, and how to fix it',
    { timeout: 10_000 },
    () => {
      for (const alert of alerts) {
        const text = readFileSync(`${runbooks}${alert}.md`, 'utf8');
        assert.match(text, new RegExp(`^# ${alert}\\n`), alert);
        assert.match(text, /\*\*Route:\*\* (page|ticket|report)/, alert);
        for (const heading of ['## What it means', '## Confirm it', '## Fix it']) {
          assert.ok(text.includes(heading), `${alert}: ${heading}`);
        }
        assert.match(text, /```sh\n(.*\n)*?kubectl /, `${alert}: a kubectl command`);
        assert.match(text, /```promql\n/, `${alert}: a PromQL query`);
      }
    },
  );
});
