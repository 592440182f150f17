// B10: the settle time's default, apart from the dependency store so that the appliance's options
// (appliance/config.ts, bundled alone for the README's flag table) can name it without the store's
// imports.

/** After a parent recovers, its dependants still down are texted this long later (they may just be reconnecting). */
export const DEFAULT_SETTLE_MS = 60_000;
