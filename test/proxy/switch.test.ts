// The deploy switch: new upstreams take over in one setRoutes call while requests keep
// flowing; requests already at the old upstream finish there and nothing fails.
import assert from 'node:assert/strict';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { request, startProxy, startServer, type TestProxy, type TestServer } from './helpers.js';

interface Outcome { started: number; status: number; body: string }

function release(name: string, held: ServerResponse[]) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    if (req.url === '/hold') {
      held.push(res);
      return;
    }
    // Answer on a later turn so requests are genuinely in flight when the switch happens.
    setImmediate(() => res.end(name));
  };
}

describe('proxy atomic switch', () => {
  let proxy: TestProxy;
  const servers: TestServer[] = [];

  beforeEach(async () => { proxy = await startProxy(); });
  afterEach(async () => {
    await proxy.close();
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it('switches 300 concurrent requests to a new upstream with zero failures', async () => {
    const held: ServerResponse[] = [];
    const old = await startServer(release('old', held));
    servers.push(old);
    proxy.proxy.setRoutes('web', ['web.test'], [{ host: '127.0.0.1', port: old.port }]);

    const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
    const total = 300;
    const outcomes: Outcome[] = [];
    const failures: string[] = [];
    let issued = 0;
    let switchedAt = Infinity;
    let retiredAt = Infinity;
    let heldReply: Promise<string> | undefined;

    const onProgress = async (): Promise<void> => {
      if (outcomes.length >= 100 && heldReply === undefined) {
        // One slow request is at the old upstream while the switch happens.
        heldReply = request(proxy.port, { host: 'web.test', path: '/hold', agent }).then((r) => r.text);
        while (held.length === 0) await new Promise((resolve) => setImmediate(resolve));
        const fresh = await startServer(release('new', held));
        servers.push(fresh);
        proxy.proxy.setRoutes('web', ['web.test'], [{ host: '127.0.0.1', port: fresh.port }]);
        switchedAt = issued;
      }
      if (outcomes.length >= 200 && switchedAt !== Infinity && retiredAt === Infinity) {
        // Retire the old upstream: its held request finishes, then it stops listening.
        held.shift()?.end('old');
        retiredAt = issued;
        old.server.close();
        old.server.closeIdleConnections();
      }
    };

    const worker = async (): Promise<void> => {
      while (issued < total) {
        const started = issued++;
        try {
          const reply = await request(proxy.port, { host: 'web.test', agent });
          outcomes.push({ started, status: reply.status, body: reply.text });
          if (reply.status !== 200) failures.push(`#${started}: ${reply.status} ${reply.text}`);
        } catch (error) {
          failures.push(`#${started}: ${(error as Error).message}`);
        }
        await onProgress();
      }
    };
    await Promise.all(Array.from({ length: 10 }, worker));
    agent.destroy();

    assert.deepEqual(failures, []);
    assert.equal(outcomes.length, total);
    assert.equal(await heldReply, 'old');
    assert.ok(switchedAt < retiredAt && retiredAt < total);
    const before = outcomes.filter((o) => o.started < 100);
    const after = outcomes.filter((o) => o.started >= switchedAt);
    assert.ok(before.every((o) => o.body === 'old'));
    assert.ok(after.length > 0 && after.every((o) => o.body === 'new'), 'every request issued after the switch reached the new upstream');
    assert.deepEqual(proxy.errors, []);
  });
});
