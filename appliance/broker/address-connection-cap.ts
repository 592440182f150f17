// A cap on connections at once from one remote address (RES, docs/bounds.md): one host cannot
// hold every socket, every Aedes client object and every pre-authentication buffer of the broker.
// Pure bookkeeping; the broker asks before it hands a socket to Aedes (or starts a TLS handshake).

/**
 * Connections at once from one address. High enough for a fleet behind one NAT: the 500 servers
 * a 32 GB card holds (docs/storage.md), twice over for sessions being taken over while the old
 * socket is not yet closed; each connection not yet authenticated holds at most a 4 KiB packet
 * (packet-size-guard.ts) and closes after the connect timeout if it sends nothing.
 */
export const DEFAULT_CONNECTIONS_PER_ADDRESS = 1024;

export class AddressConnectionCap {
  private readonly open_ = new Map<string, number>();

  constructor(readonly max: number) {}

  /** Counts a new connection from `address`; false (not counted) when it would exceed the cap. */
  open(address: string): boolean {
    const n = this.open_.get(address) ?? 0;
    if (n >= this.max) return false;
    this.open_.set(address, n + 1);
    return true;
  }

  /** A connection counted by open() has closed. */
  close(address: string): void {
    const n = this.open_.get(address) ?? 0;
    if (n <= 1) this.open_.delete(address);
    else this.open_.set(address, n - 1);
  }

  /** connections open from `address` */
  count(address: string): number {
    return this.open_.get(address) ?? 0;
  }
}
