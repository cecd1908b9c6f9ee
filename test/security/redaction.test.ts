// Secrets stay out of what people read: URLs lose their user-info, secret-like configuration keys
// never echo their values, and a store that cannot be reached names its URL without the password.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isSecretKey, redactUrls, withoutCredentials } from '../../core/redact.js';
import { ElasticsearchStore } from '../../store/elasticsearch/store.js';

describe('redaction', () => {
  it('drops user-info from URLs and leaves the rest as written', () => {
    assert.equal(
      withoutCredentials('http://elastic:s3cretpw@127.0.0.1:9200'),
      'http://127.0.0.1:9200',
    );
    assert.equal(withoutCredentials('https://user@es.example/x?y=1'), 'https://es.example/x?y=1');
    assert.equal(withoutCredentials('http://127.0.0.1:9200/'), 'http://127.0.0.1:9200/');
    assert.equal(withoutCredentials('not a url'), 'not a url');
    assert.equal(
      redactUrls('connect ECONNREFUSED at http://a:b@h:1 and smtp://u:p@mail:25 now'),
      'connect ECONNREFUSED at http://h:1 and smtp://mail:25 now',
    );
  });

  it('knows secret-like keys, array elements included', () => {
    for (const key of [
      'kafka.sasl.password',
      'api.readTokens.0',
      'api.adminTokens',
      'x.apiKey',
      'y.clientSecret',
    ])
      assert.ok(isSecretKey(key), key);
    for (const key of ['kafka.sasl.passwordFile', 'api.port', 'report.deliver.0.usernameFile'])
      assert.ok(!isSecretKey(key), key);
  });

  it('names an unreachable Elasticsearch without its password', async () => {
    const store = new ElasticsearchStore({
      node: 'http://elastic:s3cretpw@127.0.0.1:1',
      indexPrefix: 'redact',
    });
    await assert.rejects(store.start(), (error: Error) => {
      assert.match(error.message, /Elasticsearch is unreachable at http:\/\/127\.0\.0\.1:1/);
      assert.ok(!error.message.includes('s3cretpw'), error.message);
      return true;
    });
    await store.stop();
  });
});
