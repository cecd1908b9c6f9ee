// The rules file is checked and unit-tested by Prometheus' own promtool, and must be exactly what
// alerts/rules.ts renders (so the YAML users load is the code under review).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { ROUTE_SEVERITY } from '../../alerts/policy.js';
import { plimsollRuleGroups, renderRules } from '../../alerts/rules.js';
import { requireServices } from '../support/services.js';

const run = promisify(execFile);
const alertsDir = fileURLToPath(new URL('../../alerts/', import.meta.url));
const rulesFile = `${alertsDir}plimsoll.rules.yml`;
const PROMTOOL = '/usr/bin/promtool';

interface UnitTest {
  alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[];
}

async function promtool(...args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run(PROMTOOL, args, { cwd: alertsDir, timeout: 60_000 });
    return stdout + stderr;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `promtool ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? e.message}`,
    );
  }
}

describe('Prometheus rules', { timeout: 120_000 }, () => {
  before(async () => {
    // promtool ships in Debian's prometheus package, which the services script installs.
    if (!existsSync(PROMTOOL)) await requireServices('prometheus');
  });

  it('are what alerts/rules.ts renders', { timeout: 60_000 }, () => {
    assert.equal(
      readFileSync(rulesFile, 'utf8'),
      renderRules(),
      'alerts/plimsoll.rules.yml is stale: run `plimsoll alerts rules --out alerts/plimsoll.rules.yml`',
    );
  });

  it('pass promtool check rules', { timeout: 60_000 }, async () => {
    const out = await promtool('check', 'rules', 'plimsoll.rules.yml');
    const count = plimsollRuleGroups().reduce((n, g) => n + g.rules.length, 0);
    assert.match(out, new RegExp(`SUCCESS: ${count} rules found`));
  });

  it('pass promtool test rules', { timeout: 60_000 }, async () => {
    const files = readdirSync(`${alertsDir}tests`)
      .filter((f) => f.endsWith('.test.yml'))
      .map((f) => `tests/${f}`);
    assert.ok(files.length > 0);
    const out = await promtool('test', 'rules', ...files);
    assert.doesNotMatch(out, /FAILED/);
  });

  it('have a firing and a non-firing unit test for every alert', { timeout: 10_000 }, () => {
    const firing = new Set<string>();
    const quiet = new Set<string>();
    for (const file of readdirSync(`${alertsDir}tests`).filter((f) => f.endsWith('.test.yml'))) {
      const doc = parse(readFileSync(`${alertsDir}tests/${file}`, 'utf8')) as { tests: UnitTest[] };
      for (const test of doc.tests) {
        for (const check of test.alert_rule_test ?? []) {
          ((check.exp_alerts?.length ?? 0) > 0 ? firing : quiet).add(check.alertname);
        }
      }
    }
    for (const group of plimsollRuleGroups()) {
      for (const rule of group.rules) {
        assert.ok(firing.has(rule.alert), `${rule.alert} has no firing test`);
        assert.ok(quiet.has(rule.alert), `${rule.alert} has no non-firing test`);
      }
    }
  });

  it(
    'carry a severity matching their route, summary, description and a runbook page',
    { timeout: 60_000 },
    () => {
      for (const group of plimsollRuleGroups()) {
        for (const rule of group.rules) {
          assert.match(rule.alert, /^Plimsoll[A-Z][A-Za-z]+$/);
          assert.equal(rule.labels.severity, ROUTE_SEVERITY[rule.labels.route]);
          assert.ok(rule.annotations.summary.length > 10);
          assert.ok(rule.annotations.description.length > 40);
          assert.equal(
            rule.annotations.runbook_url,
            `https://github.com/plimsoll/plimsoll/blob/main/docs/runbooks/${rule.alert}.md`,
          );
        }
      }
    },
  );

  it('render the runbook and API base URLs they are given', { timeout: 60_000 }, () => {
    const text = renderRules({
      runbookBaseUrl: 'https://wiki.example/runbooks/',
      apiBaseUrl: 'https://plimsoll.example',
    });
    assert.match(text, /runbook_url: https:\/\/wiki\.example\/runbooks\/PlimsollOomLoop\.md/);
    assert.match(
      text,
      /finding_url: https:\/\/plimsoll\.example\/ui\/findings\/\{\{ \$labels\.finding_id \}\}/,
    );
  });
});
