// SEC: an agent installed with the appliance's pin (`--appliance https://… --pin sha256//…`, as
// install-agent.sh writes it) enrolls over HTTPS trusting that key alone, keeps the MQTTS port
// and pin the enrollment answered, and sends over MQTT over TLS (the appliance serves no plain
// MQTT here); an agent pinned to another key refuses the appliance before sending its token.
// The real appliance and agent on 127.0.0.1.
import t from 'tap';
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { AgentSummary } from '../../contract/api.js';
import { publicKeyPin } from '../../core/public-key-pin.js';
import { startAgent, startAppliance, waitFor } from '../helpers/appliance-harness.js';

void t.test('an agent pinned to the appliance\'s key', async (t) => {
  const app = await startAppliance(t, { args: ['--mqtt-plain', 'off'] });
  const pin = publicKeyPin(new X509Certificate(readFileSync(path.join(app.dataDir, 'tls', 'cert.pem'))));
  const target = { url: app.httpsUrl, token: app.token };

  await t.test('enrolls over HTTPS and sends over MQTT over TLS', async (t) => {
    const agent = startAgent(t, target, { hostname: 'pinned-ok', args: ['--pin', pin] });
    const online = await waitFor('the agent online', async () => {
      const list = await app.api<AgentSummary[]>('/api/v1/agents');
      return list.find((a) => a.hostname === 'pinned-ok' && a.status === 'online');
    }, { timeoutMs: 30_000 });
    t.ok(online, agent.output());
    const identity = JSON.parse(readFileSync(path.join(agent.stateDir, 'identity.json'), 'utf8')) as Record<string, unknown>;
    t.match(identity, { agentId: online.id, mqttPort: 0, mqttsPort: app.mqttsPort, pin });
  });

  await t.test('an agent pinned to another key refuses the appliance and does not enroll', async (t) => {
    const other = 'sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
    const agent = startAgent(t, target, { hostname: 'pinned-other', args: ['--pin', other] });
    const exit = await agent.exited;
    t.equal(exit.code, 1, agent.output());
    t.match(agent.output(), /RW_ERR_TLS_PIN/);
    t.match(agent.output(), /is not the pinned sha256\/\/AAAA/);
    t.notOk(existsSync(path.join(agent.stateDir, 'identity.json')));
    const list = await app.api<AgentSummary[]>('/api/v1/agents');
    t.notOk(list.some((a) => a.hostname === 'pinned-other'), 'the appliance never saw it enroll');
  });
});
