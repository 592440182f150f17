// Loaded into every test process before the test (.taprc `node-arg`). tap puts its processinfo
// hook in NODE_OPTIONS, so every node process a test starts (the built appliance, agents, the
// console tool, scripts) would load it too: a module-load hook thread and a source-map reading
// of the 6 MB bundle. It serves coverage and `tap --changed`, neither used here (coverage is off
// in .taprc). The children start as on a server, without it; the test process keeps its own (it
// came on the command line too).
const TAP_HOOK = /"?--(?:import|loader|require)[= ]\S*@tapjs[/\\]processinfo\S*"?/g;

const options = process.env.NODE_OPTIONS;
if (options !== undefined && TAP_HOOK.test(options)) {
  const rest = options.replace(TAP_HOOK, '').replace(/\s+/g, ' ').trim();
  if (rest === '') delete process.env.NODE_OPTIONS;
  else process.env.NODE_OPTIONS = rest;
}

export {};
