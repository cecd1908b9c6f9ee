// The web pages as a person meets them: a login that hands out a signed session cookie (never
// the token), pages that say the same numbers as the JSON API for the same window, the security
// headers, escaping of what the cluster names, and HTML errors. Over the simulator's `mixed`
// history (every kind of problem in one small cluster).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Finding } from '../../core/domain.js';
import type { App } from '../../api/app.js';
import type { WorkloadContainer } from '../../api/workload-data.js';
import { SESSION_COOKIE } from '../../api/session.js';
import { recommendationPatches } from '../../analyzers/recommendations/patches.js';
import { formatMoney } from '../../core/money.js';
import { simulatedStore } from '../reports/fixture.js';
import { ADMIN_TOKEN, bearer, build, READ_TOKEN } from './helper.js';

const DAY = 86_400_000;

/** The text of each `data-kpi` card on a page. */
function kpis(html: string): Map<string, string> {
  const found = new Map<string, string>();
  const re = /data-kpi="([^"]+)"><div class="label">[^<]*<\/div><div class="value">([^<]*)</g;
  for (const [, id, value] of html.matchAll(re)) found.set(id!, value!);
  return found;
}

/** The cells of the table row named `key` (data-row), as text. */
function row(html: string, key: string): string[] {
  const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/&/g, '&amp;');
  const match = new RegExp(`<tr data-row="${escaped}">(.*?)</tr>`).exec(html);
  assert.ok(match, `no row ${key}`);
  return [...match[1]!.matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((m) =>
    m[1]!
      .replace(/<[^>]+>/g, '')
      .replace(/&amp;/g, '&')
      .trim(),
  );
}

const rowKeys = (html: string) => [...html.matchAll(/<tr data-row="([^"]+)">/g)].map((m) => m[1]!);

describe('web pages', { timeout: 300_000 }, () => {
  let app: App;
  let cluster: string;
  let range: string;
  let cookie: string;
  let open: Finding[];

  const page = (url: string, headers: Record<string, string> = { cookie }) =>
    app.inject({ url, headers });
  const api = async <T>(url: string) => {
    const response = await app.inject({ url, headers: bearer(READ_TOKEN) });
    assert.equal(response.statusCode, 200, `${url}: ${response.body}`);
    return response.json<T>();
  };
  const allOpen = async () => {
    const found: Finding[] = [];
    let cursor: string | undefined;
    do {
      const pageOf = await api<{ items: Finding[]; next?: string }>(
        `/api/v1/findings?status=open&limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      found.push(...pageOf.items);
      cursor = pageOf.next;
    } while (cursor);
    return found;
  };

  before(async () => {
    const simulated = await simulatedStore();
    cluster = simulated.cluster;
    // The history ends before today: every page is asked for the fixture's last two weeks.
    range = `from=${new Date(simulated.now - 14 * DAY).toISOString()}&to=${new Date(simulated.now).toISOString()}`;
    ({ app } = await build({ store: simulated.store, cluster }));
    const login = await app.inject({
      method: 'POST',
      url: '/ui/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `token=${READ_TOKEN}&next=%2F`,
    });
    assert.equal(login.statusCode, 303);
    cookie = String(login.headers['set-cookie']).split(';')[0]!;
    open = await allOpen();
    assert.ok(open.length > 0, 'the fixture has open findings');
  });

  after(async () => {
    await app?.close();
  });

  describe('access', () => {
    it('sends a visitor without a session to the login form, and back after it', async () => {
      const anonymous = await app.inject({ url: '/ui/namespaces/catalog' });
      assert.equal(anonymous.statusCode, 303);
      assert.equal(anonymous.headers.location, '/ui/login?next=%2Fui%2Fnamespaces%2Fcatalog');
      const form = await app.inject({ url: String(anonymous.headers.location) });
      assert.equal(form.statusCode, 200);
      assert.match(
        form.body,
        /<input type="hidden" name="next" value="\/ui\/namespaces\/catalog">/,
      );
      const login = await app.inject({
        method: 'POST',
        url: '/ui/login',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `token=${ADMIN_TOKEN}&next=${encodeURIComponent('/ui/namespaces/catalog')}`,
      });
      assert.equal(login.statusCode, 303);
      assert.equal(login.headers.location, '/ui/namespaces/catalog');
      const setCookie = String(login.headers['set-cookie']);
      assert.match(setCookie, new RegExp(`^${SESSION_COOKIE}=admin\\.\\d+\\.`));
      assert.match(setCookie, /HttpOnly/);
      assert.match(setCookie, /SameSite=Strict/);
      assert.ok(!setCookie.includes(ADMIN_TOKEN), 'the cookie never carries the token');
    });

    it('refuses a wrong token with the form again and no cookie', async () => {
      const login = await app.inject({
        method: 'POST',
        url: '/ui/login',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'token=not-a-token&next=%2F',
      });
      assert.equal(login.statusCode, 401);
      assert.equal(login.headers['set-cookie'], undefined);
      assert.match(login.body, /That token is not valid here/);
    });

    it('returns only to a path of this site after the login', async () => {
      for (const next of [
        '//evil.example/x',
        'https://evil.example/',
        '/\\evil.example',
        '/\t/evil.example',
        '/\n/evil.example',
      ]) {
        const login = await app.inject({
          method: 'POST',
          url: '/ui/login',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          payload: `token=${READ_TOKEN}&next=${encodeURIComponent(next)}`,
        });
        assert.equal(login.headers.location, '/', next);
      }
    });

    it('refuses forged, tampered and expired session cookies', async () => {
      const value = cookie.split('=')[1]!;
      const [scope, expires, signature] = value.split('.');
      for (const forged of [
        `admin.${expires}.${signature}`,
        `${scope}.${Number(expires) + 1000}.${signature}`,
        `${scope}.${Date.now() - 1000}.${signature}`,
        'read.99999999999999.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      ]) {
        const response = await page('/', { cookie: `${SESSION_COOKIE}=${forged}` });
        assert.equal(response.statusCode, 303, forged);
      }
    });

    it('keeps the JSON API on bearer tokens: a session cookie does not open it', async () => {
      const response = await app.inject({ url: '/api/v1/findings', headers: { cookie } });
      assert.equal(response.statusCode, 401);
      assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8');
    });

    it('logs out by expiring the cookie', async () => {
      const response = await app.inject({ method: 'POST', url: '/ui/logout', headers: { cookie } });
      assert.equal(response.statusCode, 303);
      assert.match(
        String(response.headers['set-cookie']),
        new RegExp(`^${SESSION_COOKIE}=;.*Max-Age=0`),
      );
    });

    it('serves pages with a script-free CSP, nosniff and no framing', async () => {
      const response = await page('/');
      assert.equal(response.statusCode, 200);
      const csp = String(response.headers['content-security-policy']);
      assert.match(csp, /default-src 'none'/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.ok(!csp.includes('script-src'), 'no script may run');
      assert.equal(response.headers['x-content-type-options'], 'nosniff');
      assert.equal(response.headers['x-frame-options'], 'DENY');
      assert.ok(!/<script/i.test(response.body));
      assert.equal(response.headers['cache-control'], 'no-store');
      const css = await app.inject({ url: '/ui/style.css' });
      assert.equal(css.statusCode, 200);
      assert.equal(css.headers['cache-control'], 'max-age=3600');
      assert.match(String(css.headers['content-type']), /text\/css/);
    });
  });

  describe('the overview at /', () => {
    it('counts open findings by severity as the API lists them', async () => {
      const cards = kpis((await page('/')).body);
      for (const severity of ['critical', 'warning', 'info'] as const) {
        assert.equal(
          cards.get(severity),
          String(open.filter((f) => f.severity === severity).length),
          severity,
        );
      }
      assert.equal(cards.get('total'), String(open.length));
    });

    it('counts each namespace and node as the API filters them', async () => {
      const html = (await page('/')).body;
      const keys = rowKeys(html).filter((k) => k.startsWith('namespace/') || k.startsWith('node/'));
      assert.ok(
        keys.some((k) => k.startsWith('namespace/')) && keys.some((k) => k.startsWith('node/')),
      );
      for (const key of keys) {
        const [type, name] = key.split('/') as ['namespace' | 'node', string];
        const listed = open.filter((f) =>
          type === 'node'
            ? f.subject.type === 'node' && f.subject.node === name
            : (f.subject.type === 'workload' || f.subject.type === 'workload_container') &&
              f.subject.workload.namespace === name,
        );
        const cells = row(html, key);
        assert.deepEqual(
          cells.slice(1).map(Number),
          [
            listed.filter((f) => f.severity === 'critical').length,
            listed.filter((f) => f.severity === 'warning').length,
            listed.filter((f) => f.severity === 'info').length,
            listed.length,
          ],
          key,
        );
      }
    });
  });

  describe('a namespace page', () => {
    it('shows every container the API lists, with its requests, kills and recommendation', async () => {
      const namespace = 'catalog';
      const html = (await page(`/ui/namespaces/${namespace}?${range}`)).body;
      const listed = await api<{ items: WorkloadContainer[] }>(
        `/api/v1/workloads?namespace=${namespace}&limit=500&${range}`,
      );
      const keyOf = (c: WorkloadContainer) =>
        `${c.workload.namespace}/${c.workload.kind}/${c.workload.name}/${c.container}`;
      assert.deepEqual(
        rowKeys(html)
          .filter((k) => k.split('/').length === 4)
          .sort(),
        listed.items.map(keyOf).sort(),
      );
      const cards = kpis(html);
      assert.equal(cards.get('containers'), String(listed.items.length));
      assert.equal(
        cards.get('oom-kills'),
        String(listed.items.reduce((sum, c) => sum + c.oomKills, 0)),
      );
      for (const c of listed.items) {
        const cells = row(html, keyOf(c));
        assert.equal(cells[6], String(c.oomKills), `${keyOf(c)} kills`);
        const delta = c.recommendation?.evidence.monthlyCostDelta as number | undefined;
        if (delta !== undefined) {
          assert.ok(cells[8]!.endsWith(formatMoney(Math.abs(delta))), `${keyOf(c)}: ${cells[8]}`);
        }
      }
      const net = listed.items.reduce(
        (sum, c) =>
          sum + ((c.recommendation?.evidence.monthlyCostDelta as number | undefined) ?? 0),
        0,
      );
      assert.ok(cards.get('net-USD')?.endsWith(formatMoney(Math.abs(net))), cards.get('net-USD'));
    });

    it('answers an unknown namespace with an HTML 404', async () => {
      const response = await page(`/ui/namespaces/nowhere?${range}`);
      assert.equal(response.statusCode, 404);
      assert.match(String(response.headers['content-type']), /text\/html/);
      assert.match(response.body, /Namespace nowhere has no container/);
    });
  });

  describe('a workload page', () => {
    let loop: Finding;
    let workloadUrl: string;
    before(() => {
      loop = open
        .filter((f) => f.kind === 'oom_loop' && f.subject.type === 'workload_container')
        .sort((a, b) => b.lastSeen - a.lastSeen)[0]!;
      assert.ok(loop, 'the fixture has an open OOM loop');
      const w = (loop.subject as Extract<Finding['subject'], { type: 'workload_container' }>)
        .workload;
      workloadUrl = `${w.namespace}/${w.kind}/${w.name}`;
    });

    it('shows the newest verdict, the kills of the window and a memory chart with the kills', async () => {
      // Dashboards spell the kind in lower case; the page takes either.
      const [ns, kind, name] = workloadUrl.split('/') as [string, string, string];
      const response = await page(`/ui/workloads/${ns}/${kind.toLowerCase()}/${name}?${range}`);
      assert.equal(response.statusCode, 200);
      const html = response.body;
      const detail = await api<{ terminationCounts: Record<string, number> }>(
        `/api/v1/workloads/${workloadUrl}?${range}`,
      );
      const kills = detail.terminationCounts.OOMKilled ?? 0;
      assert.ok(kills > 0);
      assert.equal(kpis(html).get('oom-kills'), String(kills));
      assert.match(
        html,
        new RegExp(`data-finding="${loop.id}"`),
        'the newest loop finding is shown',
      );
      const figure = /<figure class="chart" data-chart="memory-0">(.*?)<\/figure>/s.exec(html);
      assert.ok(figure, 'a memory chart');
      assert.match(figure[1]!, /<svg[^>]*role="img"/);
      assert.match(figure[1]!, new RegExp(`the ${kills} OOM kills of the window`));
    });

    it('gives the patch the recommendations export gives for this workload', async () => {
      const rec = open.find(
        (f) =>
          f.kind === 'recommendation' &&
          f.subject.type === 'workload_container' &&
          f.subject.workload.name === workloadUrl.split('/')[2],
      );
      assert.ok(rec, 'the looping workload has a recommendation');
      const html = (await page(`/ui/workloads/${workloadUrl}?${range}`)).body;
      const pre = /<pre class="patch">(.*?)<\/pre>/s.exec(html);
      assert.ok(pre, 'a patch to copy');
      const exported = recommendationPatches([rec]);
      const text = pre[1]!
        .replace(/&quot;/g, '"')
        .replace(/&gt;/g, '>')
        .replace(/&lt;/g, '<')
        .replace(/&amp;/g, '&');
      assert.ok(text.includes(exported[0]!.yaml), text);
    });
  });

  describe('finding pages', () => {
    it('shows one finding with its evidence, and the findings list filters as the API does', async () => {
      const finding = open[0]!;
      const one = await page(`/ui/findings/${encodeURIComponent(finding.id)}`);
      assert.equal(one.statusCode, 200);
      assert.match(one.body, new RegExp(`data-finding="${finding.id}"`));
      const list = await page(`/ui/findings?status=open&kind=oom_loop`);
      assert.deepEqual(
        rowKeys(list.body).sort(),
        open
          .filter((f) => f.kind === 'oom_loop')
          .map((f) => f.id)
          .sort(),
      );
      const bad = await page('/ui/findings?kind=oom');
      assert.equal(bad.statusCode, 400);
      assert.match(bad.body, /unknown value &quot;oom&quot;/);
      assert.equal((await page('/ui/findings/none')).statusCode, 404);
    });

    it('escapes what the cluster names', async () => {
      const simulated = await simulatedStore();
      const hostile: Finding = {
        ...open[0]!,
        id: 'finding-hostile',
        title: '<script>alert(1)</script> & "quoted"',
        explanation: '<img src=x onerror=alert(1)>',
      };
      await simulated.store.upsertFindings([hostile]);
      try {
        const html = (await page('/ui/findings/finding-hostile')).body;
        assert.ok(!html.includes('<script>alert(1)'));
        assert.ok(!html.includes('<img src=x'));
        assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt; &amp; &quot;quoted&quot;/);
      } finally {
        await simulated.store.upsertFindings([
          { ...hostile, status: 'resolved', resolvedAt: Date.now() },
        ]);
      }
    });
  });
});
