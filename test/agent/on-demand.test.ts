// A feature the agent builds when its configuration first asks for it (agent/on-demand.ts): the
// service checks, the web logs and the sentinel cost an agent that runs none of them nothing, and
// one that does gets the latest configuration once the feature is loaded.
import t from 'tap';
import { OnDemand } from '../../agent/on-demand.js';
import { silentLogger } from '../../core/logger.js';

class Feature {
  applied: string[] = [];
  stopped = 0;
  stop(): void {
    this.stopped++;
  }
}

/** a build that finishes when the test says */
function gated(): { build: () => Promise<Feature>; release: () => void; builds: () => number; built: Feature[] } {
  let open: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => { open = resolve; });
  const built: Feature[] = [];
  return {
    build: async () => {
      built.push(new Feature());
      await gate;
      return built[built.length - 1] as Feature;
    },
    release: () => open(),
    builds: () => built.length,
    built,
  };
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

void t.test('a configuration that does not ask for the feature builds nothing', async (t) => {
  const g = gated();
  const feature = new OnDemand('checks', g.build, silentLogger);
  feature.apply(false, (f) => f.applied.push('off'));
  await settle();
  t.equal(g.builds(), 0);
  t.equal(feature.current, null);
  await feature.stop();
});

void t.test('built once when asked; the latest configuration given while it loads is the one applied', async (t) => {
  const g = gated();
  const feature = new OnDemand('checks', g.build, silentLogger);
  feature.apply(true, (f) => f.applied.push('first'));
  feature.apply(true, (f) => f.applied.push('second'));
  feature.apply(false, (f) => f.applied.push('off'));
  g.release();
  await settle();
  t.equal(g.builds(), 1, 'one build');
  t.same(feature.current?.applied, ['off'], 'only the latest, the one that turns it off');
  feature.apply(false, (f) => f.applied.push('off again'));
  t.same(feature.current?.applied, ['off', 'off again'], 'once built, every configuration reaches it at once');
  await feature.stop();
  t.equal(feature.current?.stopped, 1, 'stopped with the agent');
});

void t.test('stopped while loading: the feature is stopped as soon as it is built, and never applied', async (t) => {
  const g = gated();
  const feature = new OnDemand('sentinel', g.build, silentLogger);
  feature.apply(true, (f) => f.applied.push('on'));
  const stopping = feature.stop();
  g.release();
  await stopping;
  t.equal(g.built[0]?.stopped, 1);
  t.same(g.built[0]?.applied, []);
  feature.apply(true, (f) => f.applied.push('late'));
  await settle();
  t.equal(g.builds(), 1, 'nothing is built after the stop');
});

void t.test('a build that fails is tried again by the next configuration that asks', async (t) => {
  let attempts = 0;
  const feature = new OnDemand('web logs', () => {
    attempts++;
    return attempts === 1 ? Promise.reject(new Error('disk full')) : Promise.resolve(new Feature());
  }, silentLogger);
  feature.apply(true, (f) => f.applied.push('one'));
  await settle();
  t.equal(feature.current, null, 'not built');
  feature.apply(true, (f) => f.applied.push('two'));
  await settle();
  t.same(feature.current?.applied, ['two']);
  await feature.stop();
});
