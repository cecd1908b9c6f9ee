// A read that reaches an index whose shard is still being allocated waits for it instead of
// failing (the ingest-scaling flake: a count right after another process created the index);
// any other error still fails at once.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errors } from '@elastic/elasticsearch';
import { whenShardsStarted } from '../../store/elasticsearch/search.js';

function responseError(type: string): errors.ResponseError {
  const body = { error: { type: 'search_phase_execution_exception', root_cause: [{ type }] } };
  return new errors.ResponseError({
    body,
    statusCode: 503,
    headers: {},
    warnings: null,
    meta: {} as never,
  });
}

describe('reads while shards start', { timeout: 30_000 }, () => {
  it('retries no_shard_available_action_exception until the shard answers', async () => {
    let calls = 0;
    const count = await whenShardsStarted(() => {
      calls += 1;
      if (calls < 3) return Promise.reject(responseError('no_shard_available_action_exception'));
      return Promise.resolve(42);
    });
    assert.equal(count, 42);
    assert.equal(calls, 3);
  });

  it('fails at once on any other error', async () => {
    let calls = 0;
    await assert.rejects(
      whenShardsStarted(() => {
        calls += 1;
        return Promise.reject(responseError('index_not_found_exception'));
      }),
      /search_phase_execution_exception|index_not_found/,
    );
    assert.equal(calls, 1);
  });
});
