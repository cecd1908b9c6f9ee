// Case 3 of the security review: the kubelet URL is built from a Node's status.addresses, which
// whoever can write Node objects controls. The ServiceAccount token must reach the kubelet only:
// an address that is not an IP or a DNS name is refused, and a redirect is never followed with it.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  DirectKubeletClient,
  kubeletBaseUrl,
  nodeEndpoint,
} from '../../collectors/kubelet/direct.js';
import {
  ClientNodeKubeApi,
  KubeApiError,
  loadKubeConfig,
} from '../../collectors/kubernetes/api.js';

describe('kubelet credentials', () => {
  it('refuses node addresses that are not an IP or a DNS name', () => {
    for (const address of ['evil.example#', 'evil.example/x', 'user@evil.example', 'a b', '']) {
      const endpoint = nodeEndpoint({
        metadata: { name: 'n' },
        status: {
          addresses: [
            { type: 'InternalIP', address },
            { type: 'Hostname', address: 'n.internal' },
          ],
        },
      });
      assert.equal(endpoint?.address, 'n.internal', address);
      assert.throws(
        () => kubeletBaseUrl('https://{address}:{port}', { name: 'n', address, port: 10250 }),
        KubeApiError,
        address,
      );
    }
  });

  it('sends the token to the kubelet only, never after a redirect', async () => {
    const seenElsewhere: (string | undefined)[] = [];
    const elsewhere = createServer((request, response) => {
      seenElsewhere.push(request.headers.authorization);
      response.end('ok');
    });
    const kubelet = createServer((_request, response) => {
      const { port } = elsewhere.address() as AddressInfo;
      response.writeHead(302, { location: `http://127.0.0.1:${port}/metrics/resource` }).end();
    });
    await Promise.all(
      [elsewhere, kubelet].map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', r))),
    );
    let dir: string | undefined;
    try {
      dir = mkdtempSync(join(tmpdir(), 'plimsoll-token-'));
      writeFileSync(join(dir, 'token'), 'secret-token');
      const kc = loadKubeConfig({ server: 'http://127.0.0.1:1' });
      const client = new DirectKubeletClient(new ClientNodeKubeApi(kc), kc, {
        urlTemplate: 'http://{address}:{port}',
        tokenFile: join(dir, 'token'),
      });
      const { port } = kubelet.address() as AddressInfo;
      client.setNodes([{ name: 'n', address: '127.0.0.1', port }]);
      await assert.rejects(client.get('n', '/metrics/resource', { timeoutMs: 5_000 }), (e) => {
        assert.ok(e instanceof KubeApiError);
        assert.equal(e.status, 302);
        return true;
      });
      assert.deepEqual(seenElsewhere, []);
    } finally {
      kubelet.close();
      elsewhere.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
  });
});
