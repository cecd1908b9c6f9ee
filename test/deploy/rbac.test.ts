// Least privilege (DESIGN §7): the rendered RBAC rules of every overlay, with and without the
// optional components, read and nothing else — no wildcard, no write verb, no nodes/proxy, no
// Secrets — and pods/log only where the API log path is enabled.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { collectPlan, renderAll, workloads, type K8sObject, type Rendering } from './support.js';

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
  verbs: string[];
}

const READ_VERBS = new Set(['get', 'list', 'watch']);
const ROLE_KINDS = new Set(['ClusterRole', 'Role']);

const rulesOf = (objects: readonly K8sObject[]): { role: string; rule: Rule }[] =>
  objects
    .filter((o) => ROLE_KINDS.has(o.kind))
    .flatMap((o) =>
      ((o.rules as Rule[] | undefined) ?? []).map((rule) => ({ role: o.metadata.name, rule })),
    );

/** `group/resource` for every resource a rule grants, core group as ''. */
const grants = (rule: Rule): string[] =>
  (rule.apiGroups ?? []).flatMap((g) => (rule.resources ?? []).map((r) => `${g}/${r}`));

/** Everything any role grants, as `group/resource:verb`. */
const granted = (objects: readonly K8sObject[]): Set<string> =>
  new Set(
    rulesOf(objects).flatMap(({ rule }) =>
      grants(rule).flatMap((g) => rule.verbs.map((v) => `${g}:${v}`)),
    ),
  );

// The complete grant of the collector: the list, nothing more.
const READ_ONLY = [
  ...['nodes', 'pods', 'events', 'namespaces'].map((r) => `/${r}`),
  ...['deployments', 'replicasets', 'statefulsets', 'daemonsets'].map((r) => `apps/${r}`),
  ...['jobs', 'cronjobs'].map((r) => `batch/${r}`),
].flatMap((g) => ['get', 'list', 'watch'].map((v) => `${g}:${v}`));
const KUBELET = ['/nodes/metrics:get', '/nodes/stats:get'];
const POD_LOGS = ['/pods/log:get'];

describe('RBAC', () => {
  let renderings: Rendering[] = [];

  before(async () => {
    renderings = await renderAll();
  });

  it('uses no wildcard verb, resource, group or non-resource URL', () => {
    for (const { name, objects } of renderings) {
      for (const { role, rule } of rulesOf(objects)) {
        for (const field of [rule.verbs, rule.resources, rule.apiGroups, rule.nonResourceURLs]) {
          assert.ok(
            !(field ?? []).some((v) => v.includes('*')),
            `${name}: ${role} ${JSON.stringify(rule)}`,
          );
        }
        assert.equal(rule.nonResourceURLs, undefined, `${name}: ${role} grants no URL`);
      }
    }
  });

  it('grants no write verb (create, update, patch, delete, escalate, bind, impersonate, ...)', () => {
    for (const { name, objects } of renderings) {
      for (const { role, rule } of rulesOf(objects)) {
        const writes = rule.verbs.filter((v) => !READ_VERBS.has(v));
        assert.deepEqual(writes, [], `${name}: ${role} may only read`);
      }
    }
  });

  it('grants no nodes/proxy, no secrets, no configmaps, no serviceaccounts/token', () => {
    for (const { name, objects } of renderings) {
      for (const { role, rule } of rulesOf(objects)) {
        for (const resource of rule.resources ?? []) {
          assert.ok(
            ![
              'nodes/proxy',
              'secrets',
              'configmaps',
              'serviceaccounts/token',
              'pods/exec',
              'pods/attach',
              'pods/portforward',
            ].includes(resource),
            `${name}: ${role} grants ${resource}`,
          );
        }
      }
    }
  });

  it('grants exactly the inventory reads and the kubelet nodes/metrics and nodes/stats', () => {
    for (const { name, overlay, objects } of renderings) {
      const expected =
        overlay === 'embedded'
          ? [...READ_ONLY, ...KUBELET, ...POD_LOGS]
          : [...READ_ONLY, ...KUBELET];
      assert.deepEqual([...granted(objects)].sort(), expected.sort(), name);
    }
  });

  it('grants pods/log only with the API log path (embedded), never beside the node-logs DaemonSet', async () => {
    for (const rendering of renderings) {
      const { name, objects } = rendering;
      const podLogs = granted(objects).has('/pods/log:get');
      // What each collect pod runs comes from its flags over the rendered configuration.
      let logsThroughApi = false;
      for (const w of workloads(objects)) {
        const plan = await collectPlan(rendering, w);
        if (plan?.types.includes('logs') && plan.options.logs.source === 'api') {
          assert.equal(
            w.object.kind,
            'Deployment',
            `${name}: logs through the API from a Deployment`,
          );
          logsThroughApi = true;
        }
      }
      assert.equal(
        podLogs,
        logsThroughApi,
        `${name}: pods/log iff a Deployment follows logs through the API`,
      );
      const daemonSet = workloads(objects).some((w) => w.object.kind === 'DaemonSet');
      assert.ok(!(daemonSet && podLogs), `${name}: node logs come from files, not from the API`);
    }
  });

  it('binds the roles only to the collector ServiceAccount', () => {
    for (const { name, objects } of renderings) {
      const bindings = objects.filter(
        (o) => o.kind === 'ClusterRoleBinding' || o.kind === 'RoleBinding',
      );
      assert.ok(bindings.length > 0);
      for (const binding of bindings) {
        assert.deepEqual(
          binding.subjects,
          [{ kind: 'ServiceAccount', name: 'plimsoll-collector', namespace: 'plimsoll' }],
          `${name}: ${binding.metadata.name}`,
        );
      }
      // Roles are granted to pods only through bindings to the collector's ServiceAccount.
      for (const w of workloads(objects)) {
        if (w.pod.serviceAccountName !== 'plimsoll-collector') {
          assert.equal(
            w.pod.automountServiceAccountToken,
            false,
            `${name}: ${w.object.metadata.name}`,
          );
        }
      }
    }
  });
});
