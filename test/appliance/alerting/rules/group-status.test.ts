// Groups and the server list (S8): a server's level is its worst active alert, a group's is its
// worst member's, and the list filters by connection status and severity.
import t from 'tap';
import type { AgentSummary } from '../../../../contract/api.js';
import type { Alert } from '../../../../contract/alerting.js';
import { filterServers, groupHealth, serverHealth, sortWorstFirst } from '../../../../appliance/alerting/rules/group-status.js';
import { type Group } from '../../../../contract/alerting.js';
import type { Severity } from '../../../../contract/alerting.js';

const agents: AgentSummary[] = [
  { id: 'a1', hostname: 'web-01', status: 'online', lastSeen: 1, interval: 5 },
  { id: 'a2', hostname: 'web-02', status: 'offline', lastSeen: 1, interval: 5 },
  { id: 'a3', hostname: 'db-01', status: 'online', lastSeen: 1, interval: 5 },
  { id: 'a4', hostname: 'db-02', status: 'online', lastSeen: 1, interval: 5 },
];

let nextId = 1;
const alert = (agentId: string, severity: Severity, state: Alert['state']): Alert => ({
  id: nextId++, ruleId: 'r', ruleName: 'r', agentId, agentName: agentId, metric: { kind: 'derived', name: 'cpu_busy_pct' }, unit: '%',
  comparison: '>', severity, state, value: 99, threshold: 95, cause: {}, startedAt: 0,
});

const alerts = [
  alert('a1', 'warning', 'firing'),
  alert('a1', 'critical', 'acknowledged'),
  alert('a2', 'critical', 'firing'),
  alert('a3', 'disaster', 'pending'),
];
const servers = serverHealth(agents, alerts);

void t.test("a server's level is its worst firing or acknowledged alert; pending alerts do not count", (t) => {
  t.same(servers.map((s) => [s.hostname, s.level, s.firing, s.acknowledged, s.pending]), [
    ['web-01', 'critical', 1, 1, 0],
    ['web-02', 'critical', 1, 0, 0],
    ['db-01', 'ok', 0, 0, 1],
    ['db-02', 'ok', 0, 0, 0],
  ]);
  t.end();
});

void t.test("a group's status is its worst member's", (t) => {
  const web: Group = { id: 'web', name: 'Web', memberIds: ['a1', 'a2'] };
  const db: Group = { id: 'db', name: 'DB', memberIds: ['a3', 'a4'] };
  t.match(groupHealth(web, servers), { level: 'critical', status: 'offline', members: 2, offline: 1, byLevel: { critical: 2, ok: 0 } });
  t.match(groupHealth(db, servers), { level: 'ok', status: 'online', members: 2, offline: 0, byLevel: { ok: 2 } });
  t.match(groupHealth({ id: 'e', name: 'Empty', memberIds: [] }, servers), { level: 'ok', status: 'unknown', members: 0 });
  t.end();
});

void t.test('the server list filters by status, severity, group and name', (t) => {
  const names = (f: Parameters<typeof filterServers>[1]): string[] => filterServers(servers, f).map((s) => s.hostname);
  t.same(names({}), ['web-01', 'web-02', 'db-01', 'db-02'], 'no filter keeps all');
  t.same(names({ statuses: ['offline'] }), ['web-02']);
  t.same(names({ levels: ['ok'] }), ['db-01', 'db-02']);
  t.same(names({ minLevel: 'warning' }), ['web-01', 'web-02']);
  t.same(names({ minLevel: 'disaster' }), []);
  t.same(names({ statuses: ['online'], minLevel: 'critical' }), ['web-01']);
  t.same(names({ group: { memberIds: ['a3', 'a1'] } }), ['web-01', 'db-01']);
  t.same(names({ text: 'DB' }), ['db-01', 'db-02']);
  t.end();
});

void t.test('worst first, then offline first, then by name', (t) => {
  t.same(sortWorstFirst(servers).map((s) => s.hostname), ['web-02', 'web-01', 'db-01', 'db-02']);
  t.end();
});
