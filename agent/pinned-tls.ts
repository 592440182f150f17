// Moved to core/pinned-tls.ts: the appliance's standby pair trusts its peer's pin the same way (docs/standby.md).
export * from '../core/pinned-tls.js';
