// Moved to core/pinned-fetch.ts: the appliance's standby pair trusts its peer's pin the same way (docs/standby.md).
export * from '../core/pinned-fetch.js';
