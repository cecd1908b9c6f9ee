// Delivery of the weekly report where planners read it: a digest (headline, KPI figures, top
// risks, savings and their net, a link) to Slack, DingTalk and webhooks, and the e-mail-ready HTML
// by mail through a real SMTP server. The digest and the e-mail carry the report's own figures;
// a scheduled report is sent, one asked for a week is not; report.deliver is checked like the
// alert routes; the API and the CLI serve the e-mail view, and `plimsoll report --send` sends.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { problemAlerts } from '../../alerts/problem-alert.js';
import { decide } from '../../alerts/policy.js';
import { reportReceivers } from '../../alerts/receivers/config.js';
import { dingTalkReceiver } from '../../alerts/receivers/dingtalk.js';
import { emailReceiver } from '../../alerts/receivers/email.js';
import { notificationOf } from '../../alerts/receivers/notifier.js';
import { slackReceiver } from '../../alerts/receivers/slack.js';
import type { ReportDelivery } from '../../alerts/receivers/types.js';
import { webhookReceiver } from '../../alerts/receivers/webhook.js';
import { validateConfig } from '../../core/config/load.js';
import { reportDelivery, reportLink } from '../../reports/delivery.js';
import { generateWeeklyReport } from '../../reports/generate.js';
import type { ReportData } from '../../reports/model.js';
import { escapeHtml } from '../../reports/render-html.js';
import { WeeklyReportScheduler } from '../../reports/scheduler.js';
import { kpiFigures, netText } from '../../reports/tables.js';
import { lastCompleteWeek, shiftWeek } from '../../reports/week.js';
import type { StoredReport } from '../../store/store.js';
import { bearer, build, READ_TOKEN } from '../api/helper.js';
import { oomLoopFinding } from '../alerts/findings.js';
import { configFiles, failure } from '../core/config-support.js';
import { reportProgram } from '../support/report-cli.js';
import { verifyHit } from '../support/signed-hit.js';
import { simulatedStore } from './fixture.js';

const BASE = 'https://plimsoll.example.com';
const fast = { attempts: 2, baseDelayMs: 1, maxDelayMs: 5 };

interface Hit {
  path: string;
  raw: string;
  body: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
}

describe('weekly report delivery', { timeout: 120_000 }, () => {
  let report: StoredReport;
  let data: ReportData;
  let delivery: ReportDelivery;
  let server: Server;
  let url: string;
  const hits: Hit[] = [];
  /** Status the HTTP receiver answers with next (then 200). */
  let failNext = 0;

  before(async () => {
    const { store, cluster, week, now } = await simulatedStore();
    report = await generateWeeklyReport(store, { cluster, week, now });
    data = JSON.parse(report.content.json) as ReportData;
    delivery = reportDelivery(report, BASE);
    server = createServer((req, res) => {
      let raw = '';
      req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
      req.on('end', () => {
        hits.push({
          path: req.url ?? '',
          raw,
          body: JSON.parse(raw) as Record<string, unknown>,
          headers: req.headers,
        });
        const status = failNext || 200;
        failNext = 0;
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(req.url?.startsWith('/dingtalk') ? '{"errcode":0,"errmsg":"ok"}' : '{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  beforeEach(() => {
    hits.length = 0;
    failNext = 0;
  });

  it('builds the digest from the report’s own figures, with a link to the full report', () => {
    const d = delivery.digest;
    assert.ok(data.hasData && data.risks.count > 0 && data.savings.count > 0, 'a rich week');
    assert.equal(d.url, `${BASE}/api/v1/reports/${encodeURIComponent(report.id)}?format=html`);
    assert.equal(d.title, `Capacity report · ${data.cluster} · ${data.week}`);
    assert.deepEqual(d.kpis, kpiFigures(data));
    assert.deepEqual(d.headline, data.headline);
    assert.equal(d.net, netText(data));
    assert.deepEqual(
      d.risks.map((r) => r.text),
      data.risks.rows.slice(0, 5).map((r) => r.title),
    );
    assert.equal(d.riskCount, data.risks.count);
    // The KPI card of the full report shows the same net as the digest.
    const net = d.kpis.find((k) => k.label === 'Recommendations, net')!;
    assert.ok(report.content.html.includes(escapeHtml(net.value)));
    assert.match(delivery.text, new RegExp(`Full report: ${d.url.replace(/[.?]/g, '\\$&')}`));
  });

  it('renders an e-mail body mail clients show: inline styles, no script, SVG or style sheet', () => {
    const html = delivery.html;
    assert.match(html, /^<!DOCTYPE html>/);
    for (const banned of [/<script/i, /<svg/i, /<style/i, /\sclass="/, /<link\s/i, /<img\s/i]) {
      assert.doesNotMatch(html, banned);
    }
    for (const k of delivery.digest.kpis) {
      assert.ok(html.includes(escapeHtml(k.value)), `KPI ${k.label} missing`);
    }
    assert.ok(html.includes(escapeHtml(netText(data))));
    assert.ok(html.includes(escapeHtml(data.risks.rows[0]!.title)));
    assert.ok(html.includes(`href="${escapeHtml(delivery.digest.url)}"`));
    assert.match(html, /Cost by namespace/);
  });

  it('posts the digest to Slack, DingTalk and a signed webhook', async () => {
    const d = delivery.digest;
    await slackReceiver({ webhookUrl: `${url}/slack`, retry: fast }).sendReport!(delivery);
    await dingTalkReceiver({ webhookUrl: `${url}/dingtalk?access_token=t` }).sendReport!(delivery);
    await webhookReceiver({ url: `${url}/hook`, secret: 's3cret' }).sendReport!(delivery);
    assert.deepEqual(
      hits.map((h) => h.path.split('?')[0]),
      ['/slack', '/dingtalk', '/hook'],
    );
    const [slack, ding, hook] = hits as [Hit, Hit, Hit];

    const blocks = slack.body.blocks as {
      type: string;
      text?: { text: string };
      fields?: unknown[];
      elements?: { url?: string }[];
    }[];
    assert.equal(blocks[0]!.text!.text, d.title);
    assert.equal(blocks.find((b) => b.fields)!.fields!.length, d.kpis.length);
    assert.equal(blocks.find((b) => b.type === 'actions')!.elements![0]!.url, d.url);
    assert.ok(JSON.stringify(slack.body).includes(d.risks[0]!.subject));

    const markdown = (ding.body.markdown as { text: string }).text;
    assert.equal(ding.body.msgtype, 'markdown');
    assert.ok(markdown.includes(`### ${d.title}`));
    assert.ok(markdown.includes(d.net));
    assert.ok(markdown.includes(`[Open the full report](${d.url})`));

    assert.equal(hook.body.type, 'weekly_report');
    assert.deepEqual(hook.body.digest, JSON.parse(JSON.stringify(d)));
    assert.equal(hook.body.html, delivery.html);
    assert.deepEqual(verifyHit(hook, 's3cret'), { ok: true });
  });

  describe('by e-mail, through an SMTP server', () => {
    let smtp: SMTPServer;
    let smtpUrl: string;
    const mails: { from: string; to: string[]; raw: string }[] = [];
    /** SMTP code the server refuses recipients with, and how many more it refuses. */
    let refusal = { code: 0, remaining: 0 };

    before(async () => {
      smtp = new SMTPServer({
        disabledCommands: ['STARTTLS'],
        authOptional: false,
        logger: false,
        onAuth(auth, _session, callback) {
          if (auth.username === 'planner-bot' && auth.password === 'hunter22') {
            callback(null, { user: auth.username });
          } else callback(new Error('invalid credentials'));
        },
        onRcptTo(address, _session, callback) {
          if (refusal.remaining > 0) {
            refusal.remaining -= 1;
            callback(
              Object.assign(new Error(`refused ${address.address}`), {
                responseCode: refusal.code,
              }),
            );
          } else callback();
        },
        onData(stream, session, callback) {
          let raw = '';
          stream.on('data', (chunk: Buffer) => (raw += chunk.toString()));
          stream.on('end', () => {
            mails.push({
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((r) => r.address),
              raw,
            });
            callback();
          });
        },
      });
      await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
      smtpUrl = `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`;
    });

    after(async () => {
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
    });

    beforeEach(() => {
      mails.length = 0;
      refusal = { code: 0, remaining: 0 };
    });

    const receiver = () =>
      emailReceiver({
        smtpUrl,
        from: 'plimsoll@example.com',
        to: ['planners@example.com', 'finops@example.com'],
        auth: { user: 'planner-bot', pass: 'hunter22' },
        retry: fast,
      });

    it('mails the report: the e-mail HTML, a text part, and the title as subject', async () => {
      await receiver().sendReport!(delivery);
      assert.equal(mails.length, 1);
      const mail = mails[0]!;
      assert.equal(mail.from, 'plimsoll@example.com');
      assert.deepEqual(mail.to, ['planners@example.com', 'finops@example.com']);
      const parsed = await simpleParser(mail.raw);
      assert.equal(parsed.subject, delivery.digest.title);
      assert.equal((parsed.html as string).trim(), delivery.html.trim());
      assert.equal(parsed.text?.trim(), delivery.text.trim());
    });

    it('mails an alert, and fails at once on a permanent refusal without naming the password', async () => {
      const [decision] = decide([oomLoopFinding()], oomLoopFinding().lastSeen + 60_000);
      const alert = problemAlerts(decision!, 'checkout', { apiBaseUrl: BASE })[0]!;
      await receiver().send(notificationOf(alert, 'trigger'));
      const parsed = await simpleParser(mails[0]!.raw);
      assert.equal(parsed.subject, `[${alert.route}] ${alert.finding.title}`);
      assert.ok(parsed.text?.includes(`Next step: ${alert.finding.recommendation}`));

      // 450: try again later — retried and delivered; 550: refused for good — not retried.
      refusal = { code: 450, remaining: 2 };
      await receiver().sendReport!(delivery);
      assert.equal(mails.length, 2);
      refusal = { code: 550, remaining: 2 };
      const error = await receiver().sendReport!(delivery).then(
        () => assert.fail('a 550 must fail'),
        (e: unknown) => e as Error,
      );
      assert.match(error.message, /smtp:\/\/127\.0\.0\.1:\d+ rejected the mail \(SMTP 550\)/);
      assert.doesNotMatch(error.message, /hunter22|planner-bot/);
      assert.equal(mails.length, 2);
      // One recipient refused: the other has the mail, so it is not sent again.
      refusal = { code: 550, remaining: 1 };
      await assert.rejects(receiver().sendReport!(delivery), /refused 1 of 2 recipients/);
      assert.equal(mails.length, 3);
      assert.deepEqual(mails[2]!.to, ['finops@example.com']);
    });
  });

  it('checks report.deliver like the alert routes: known receivers that can take a report', () => {
    const files = configFiles('plimsoll-deliver-');
    const secret = files('slack-url', 'https://hooks.slack.com/services/T/B/x');
    const routing = files('pd-key', 'abc');
    const config = (deliver: string[]) =>
      validateConfig({
        alerting: {
          receivers: {
            planners: { type: 'slack', urlFile: secret },
            pager: { type: 'pagerduty', routingKeyFile: routing },
            inbox: {
              type: 'email',
              smtpUrl: 'smtp://mail.example.com',
              from: 'p@x.io',
              to: ['a@x.io'],
            },
          },
        },
        report: { deliver },
      });
    assert.deepEqual(
      reportReceivers(config(['planners', 'inbox'])).map((r) => r.name),
      ['planners', 'inbox'],
    );
    assert.deepEqual(reportReceivers(config([])), []);
    const unknown = failure(() => reportReceivers(config(['planers'])));
    assert.match(unknown.message, /report\.deliver\.0/);
    assert.match(unknown.message, /no receiver named "planers".*planners, pager, inbox/);
    const pager = failure(() => reportReceivers(config(['pager'])));
    assert.match(
      pager.message,
      /report\.deliver\.0.*a pagerduty receiver cannot take the weekly report/,
    );
    const withCredentials = failure(() =>
      reportReceivers(
        validateConfig({
          alerting: {
            receivers: {
              inbox: {
                type: 'email',
                smtpUrl: 'smtp://u:p@mail.example.com',
                from: 'p@x.io',
                to: ['a@x.io'],
              },
            },
          },
          report: { deliver: ['inbox'] },
        }),
      ),
    );
    assert.match(
      withCredentials.message,
      /alerting\.receivers\.inbox\.smtpUrl.*without credentials/,
    );
    assert.doesNotMatch(withCredentials.message, /u:p@/);
  });

  it('sends a report the schedule generates, not one asked for a week', async () => {
    const { store, cluster, week, now } = await simulatedStore();
    const scheduler = new WeeklyReportScheduler({
      store,
      cluster,
      catchUp: false,
      // A week after the fixture's: the schedule reports the week that just ended (no report
      // of it is stored yet; the fixture's own week already has one).
      clock: () => now + 7 * 86_400_000,
      delivery: {
        receivers: [webhookReceiver({ name: 'hook', url: `${url}/hook` })],
        baseUrl: () => BASE,
      },
      instanceId: 'delivery-test',
    });
    const asked = await scheduler.runOnce({ week });
    assert.equal(asked.status, 'generated');
    assert.deepEqual(asked.status === 'generated' && asked.delivered, []);
    assert.equal(hits.length, 0);

    const scheduled = await scheduler.runOnce();
    assert.equal(scheduled.status, 'generated');
    assert.deepEqual(scheduled.status === 'generated' && scheduled.delivered, [
      { receiver: 'hook', ok: true },
    ]);
    assert.equal(hits.length, 1);
    assert.equal(hits[0]!.body.type, 'weekly_report');
    assert.equal((hits[0]!.body.digest as { week: string }).week, shiftWeek(week, 1));
  });

  it('serves the e-mail view from the API, linking to the full report at api.publicUrl', async () => {
    const { store } = await simulatedStore();
    const { app } = await build({ store, publicUrl: BASE });
    try {
      const response = await app.inject({
        url: `/api/v1/reports/${encodeURIComponent(report.id)}?format=email`,
        headers: bearer(READ_TOKEN),
      });
      assert.equal(response.statusCode, 200);
      assert.match(response.headers['content-type'] as string, /^text\/html/);
      assert.ok(response.body.includes(`href="${escapeHtml(reportLink(BASE, report.id))}"`));
      assert.doesNotMatch(response.body, /<svg/);
    } finally {
      await app.close();
    }
  });

  it('sends from the command line with --send, and writes the e-mail view', async () => {
    const files = configFiles('plimsoll-report-send-');
    const dir = mkdtempSync(join(tmpdir(), 'plimsoll-report-send-'));
    const configFile = files(
      'plimsoll.yaml',
      [
        'api:',
        `  publicUrl: ${BASE}`,
        'alerting:',
        '  receivers:',
        `    hook: { type: webhook, url: "${url}/hook" }`,
        'report:',
        '  deliver: [hook]',
      ].join('\n'),
    );
    const out = join(dir, 'report.email.html');
    const program = reportProgram();
    const week = lastCompleteWeek(Date.now());
    try {
      // The command's own in-memory store is empty: the report says so, and is still sent.
      await program.parseAsync(
        [
          '--config',
          configFile,
          '--log-level',
          'silent',
          'report',
          '--week',
          week,
          '--allow-empty',
          '--send',
          '--format',
          'email',
          '--out',
          out,
        ],
        { from: 'user' },
      );
      assert.equal(hits.length, 1);
      const digest = hits[0]!.body.digest as { week: string; hasData: boolean; url: string };
      assert.equal(digest.week, week);
      assert.equal(digest.hasData, false);
      assert.ok(digest.url.startsWith(`${BASE}/api/v1/reports/`));
      const email = readFileSync(out, 'utf8');
      assert.match(email, /No data for cluster/);
      assert.ok(email.includes(`href="${escapeHtml(digest.url)}"`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
