// Names and labels across exporter generations: cAdvisor's pre-1.16 `pod_name`/`container_name`,
// kube-state-metrics v1 resource names and restart counter, and the v2 last-termination families.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  conditionStatus,
  containerIdentity,
  METRIC_NAMES,
  nameSelector,
  resourceOf,
} from '../../../collectors/prometheus/compat.js';

describe('prometheus compatibility table', () => {
  it('reads a container from either label dialect, and skips pod-level series', () => {
    const identity = { namespace: 'shop', pod: 'api-0', container: 'api' };
    assert.deepEqual(
      containerIdentity({ namespace: 'shop', pod: 'api-0', container: 'api' }),
      identity,
    );
    assert.deepEqual(
      containerIdentity({ namespace: 'shop', pod_name: 'api-0', container_name: 'api' }),
      identity,
    );
    assert.equal(
      containerIdentity({ namespace: 'shop', pod: 'api-0', container: 'POD' }),
      undefined,
    );
    assert.equal(containerIdentity({ namespace: 'shop', pod: 'api-0' }), undefined);
    assert.equal(containerIdentity({ id: '/', node: 'n1' }), undefined);
  });

  it('tells the resource from a v2 label or a v1 name', () => {
    assert.equal(resourceOf({ resource: 'cpu', unit: 'core' }), 'cpu');
    assert.equal(resourceOf({ resource: 'memory', unit: 'byte' }), 'memory');
    assert.equal(resourceOf({ __name__: 'kube_pod_container_resource_limits_cpu_cores' }), 'cpu');
    assert.equal(
      resourceOf({ __name__: 'kube_pod_container_resource_requests_memory_bytes' }),
      'memory',
    );
    assert.equal(resourceOf({ resource: 'ephemeral_storage' }), undefined);
  });

  it('selects both restart counter names by regex, a single name exactly', () => {
    assert.equal(
      nameSelector(METRIC_NAMES.restarts),
      '__name__=~"kube_pod_container_status_restarts_total|kube_pod_container_status_restarts"',
    );
    assert.equal(
      nameSelector(METRIC_NAMES.lastTerminatedTimestamp),
      '__name__="kube_pod_container_status_last_terminated_timestamp"',
    );
  });

  it('reads condition status in any case', () => {
    assert.equal(conditionStatus('true'), 'True');
    assert.equal(conditionStatus('False'), 'False');
    assert.equal(conditionStatus('unknown'), 'Unknown');
    assert.equal(conditionStatus('maybe'), undefined);
  });
});
