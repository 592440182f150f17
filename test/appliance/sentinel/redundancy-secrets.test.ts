// The peer channel's API token (S13, B4) is write-only: GET /redundancy says one is kept, never
// what it is, and a PUT that leaves it out (as the Redundancy screen does) keeps the saved one.
import t from 'tap';
import path from 'node:path';
import { migrate, openDatabase } from '../../../appliance/db/database.js';
import { RedundancyService } from '../../../appliance/sentinel/redundancy-service.js';
import { RedundancyStore } from '../../../appliance/sentinel/redundancy-store.js';
import { systemClock } from '../../../core/clock.js';
import { silentLogger } from '../../../core/logger.js';
import { tempDir } from '../../helpers/temp-dir.js';

void t.test('a peer\'s token is never shown, and kept when a save leaves it out', async (t) => {
  const db = openDatabase(path.join(tempDir(t), 'rackwatch.sqlite'));
  t.teardown(() => db.close());
  migrate(db);
  const service = new RedundancyService({
    store: new RedundancyStore(db), agentExists: () => true, secretHashOf: () => null, defaultName: 'rack-a',
    configsChanged: () => Promise.resolve(), clock: systemClock, logger: silentLogger,
  });
  const peer = { type: 'peer', url: 'https://10.0.0.2', token: 'rw_peer-token-0123456789' };
  t.ok((await service.set({ sentinels: ['s1'], channels: [peer] }, 'ada')).ok);
  const shown = service.get();
  t.same(shown.channels, [{ type: 'peer', url: 'https://10.0.0.2', tokenSet: true }], 'GET shows that a token is kept');
  t.notMatch(JSON.stringify(shown), /peer-token/, 'and never the token');

  t.ok((await service.set({ sentinels: ['s1'], channels: shown.channels }, 'ada')).ok, 'the shown settings saved back as they are');
  t.match(service.sentinelOf('s1')?.channels, [peer], 'the sentinel still gets the token');
  t.ok((await service.set({ sentinels: ['s1'], channels: [{ type: 'peer', url: 'https://10.0.0.2', token: '' }] }, 'ada')).ok, 'an empty token keeps it too');
  t.match(service.sentinelOf('s1')?.channels, [peer]);

  const other = await service.set({ sentinels: ['s1'], channels: [{ type: 'peer', url: 'https://10.0.0.3' }] }, 'ada');
  t.notOk(other.ok, 'a new peer without a token is refused');
  if (!other.ok) t.match(other.problems.join('\n'), /^channels\.0\.token: /m, 'naming the token');
  t.match(service.sentinelOf('s1')?.channels, [peer], 'and nothing changed');
});
