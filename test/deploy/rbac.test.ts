// Least privilege (DESIGN §7): the rendered RBAC rules of every overlay, with and without the
// optional components, read and nothing else — no wildcard, no write verb, no nodes/proxy, no
// Secrets — and pods/log only where the API log path is enabled. The checks themselves are in
// checks.ts: helm.test.ts holds the chart to the same ones.
import { before, describe } from 'node:test';
import { RBAC_CHECKS, runChecks } from './checks.js';
import { renderAll, type Rendering } from './support.js';

describe('RBAC', { timeout: 5 * 60_000 }, () => {
  let renderings: Rendering[] = [];

  before(async () => {
    renderings = await renderAll();
  });

  runChecks(RBAC_CHECKS, () => renderings);
});
