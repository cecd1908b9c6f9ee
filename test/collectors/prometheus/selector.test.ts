// Label selectors as `plimsoll scan --selector` takes them: Kubernetes' equality syntax, matched
// against the names kube-state-metrics gives pod labels on kube_pod_labels.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  exportedLabelName,
  parseSelector,
  SelectorError,
  selects,
  selectorText,
} from '../../../collectors/prometheus/selector.js';

describe('pod label selector', () => {
  it('parses =, == and != requirements with prefixed keys', () => {
    const selector = parseSelector('app.kubernetes.io/name=cart, tier==web,team!=data');
    assert.deepEqual(
      selector.map((r) => [r.key, r.exported, r.operator, r.value]),
      [
        ['app.kubernetes.io/name', 'app_kubernetes_io_name', '=', 'cart'],
        ['tier', 'tier', '=', 'web'],
        ['team', 'team', '!=', 'data'],
      ],
    );
    assert.equal(selectorText(selector), 'app.kubernetes.io/name=cart,tier=web,team!=data');
  });

  it('matches the exported names; a missing label differs from every value', () => {
    const selector = parseSelector('app.kubernetes.io/name=cart,team!=data');
    assert.ok(selects(selector, { app_kubernetes_io_name: 'cart', team: 'shop' }));
    assert.ok(selects(selector, { app_kubernetes_io_name: 'cart' }));
    assert.ok(!selects(selector, { app_kubernetes_io_name: 'cart', team: 'data' }));
    assert.ok(!selects(selector, { team: 'shop' }));
    assert.equal(
      exportedLabelName('statefulset.kubernetes.io/pod-name'),
      'statefulset_kubernetes_io_pod_name',
    );
  });

  it('reports every mistake at once', () => {
    assert.throws(
      () => parseSelector('team in (a,b),=x,app=-bad-'),
      (error: unknown) => {
        assert.ok(error instanceof SelectorError);
        assert.match(error.message, /"team in \(a" is not key=value/);
        assert.match(error.message, /"b\)" is not key=value/);
        assert.match(error.message, /"=x" is not key=value/);
        assert.match(error.message, /"-bad-" is not a label value/);
        return true;
      },
    );
    assert.throws(() => parseSelector(' , '), /no requirement given/);
  });
});
