// Node's TLS, crypto and HTTP modules, loaded on first use instead of at start.
//
// The agent is one esbuild bundle, and esbuild hoists every static `import … from 'node:…'` of the
// bundle to its top, even from a module only reached through a dynamic import(): so a static
// import loads the built-in when the agent starts, whatever its configuration uses. Loaded, these
// three cost the agent ~3 MB of RSS (their JavaScript, OpenSSL's setup; measured side by side,
// docs/benchmarks.md "The agent's footprint"), against a 55 MB budget, for code that only MQTT
// over TLS, a pinned enrollment, a sentinel's heartbeat, a log check's file fingerprint or a file
// action runs. Modules on those paths take the built-in from here at the moment they need it;
// Node keeps one instance, so a second call costs a lookup.
import { createRequire } from 'node:module';
import type * as Crypto from 'node:crypto';
import type * as Http from 'node:http';
import type * as Tls from 'node:tls';

const load = createRequire(import.meta.url);

export function nodeCrypto(): typeof Crypto {
  return load('node:crypto') as typeof Crypto;
}

export function nodeTls(): typeof Tls {
  return load('node:tls') as typeof Tls;
}

export function nodeHttp(): typeof Http {
  return load('node:http') as typeof Http;
}
