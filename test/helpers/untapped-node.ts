// How tests start a built bundle (dist/*.js) in a child node. tap's processinfo hooks every spawn
// (process-on-spawn) and puts its loader into the child's NODE_OPTIONS, whatever env the spawn
// passes; a built bundle needs none of it, and under load it tripled a child's start (a console
// command: 2.9 s against 1.0 s at load 14). `env -u NODE_OPTIONS` execs node without it: the
// child keeps env's pid, so signals sent to it reach node. env by its absolute path: a test may
// give the child a PATH without /usr/bin (the agent without smartctl), and spawn looks the command
// up in the child's PATH.

/** The command and arguments that run `node <args…>` without the test runner's loader. */
export function untappedNode(args: readonly string[]): [command: string, args: string[]] {
  return ['/usr/bin/env', ['-u', 'NODE_OPTIONS', process.execPath, ...args]];
}
