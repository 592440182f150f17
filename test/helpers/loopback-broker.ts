// An Aedes broker on loopback standing in for the appliance in the agent's own integration tests:
// what the agent publishes is seen on `broker.on('publish')`, and the agent's retained config is
// published as the appliance would (qos 1, retained). Closed when the test ends, or earlier by
// `close` (a broker outage).
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { Aedes } from 'aedes';
import type { Test } from 'tap';
import type { AgentConfig } from '../../contract/agent-config-mini.js';
import { agentTopic } from '../../contract/topics.js';

export interface LoopbackBroker {
  broker: Aedes;
  port: number;
  publishConfig: (config: AgentConfig) => Promise<void>;
  close: () => Promise<void>;
}

/** Listens on 127.0.0.1 (port 0: any free one); `agentId` is whose config `publishConfig` sets. */
export async function startLoopbackBroker(t: Test, agentId: string, port = 0): Promise<LoopbackBroker> {
  const broker = await Aedes.createBroker();
  const server = createServer((socket) => broker.handle(socket));
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  t.teardown(close);
  const publishConfig = (c: AgentConfig): Promise<void> => new Promise((resolve, reject) => {
    broker.publish({ cmd: 'publish', topic: agentTopic(agentId, 'config'), payload: Buffer.from(JSON.stringify(c)), qos: 1, retain: true, dup: false },
      (error) => (error ? reject(error) : resolve()));
  });
  return { broker, port: (server.address() as AddressInfo).port, publishConfig, close };
}
