// Types for the two systeminformation modules the inventory loads directly. Loading them instead
// of the package index keeps the other ~40 modules (and ~7 MB of RSS) out of the agent.
declare module 'systeminformation/lib/osinfo.js' {
  export const osInfo: typeof import('systeminformation').osInfo;
}
declare module 'systeminformation/lib/cpu.js' {
  export const cpu: typeof import('systeminformation').cpu;
}
