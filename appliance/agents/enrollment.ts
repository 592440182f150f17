// Enrollment and agent authentication (S3). An agent trades the enrollment token for an id and a
// random 256-bit secret; the appliance keeps only a scrypt hash of the secret.
//
// The scrypt cost is deliberately low (N=1024, ~1 ms): the secret is random, not a person's
// password, so brute force is infeasible at any cost factor, while a high factor would make a
// reconnect storm of thousands of agents (after an appliance restart) cost minutes of CPU on the
// board. Verified secrets are remembered (as a keyed digest, never in clear) so reconnects are cheap.
import { createHmac, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import type { EnrollRequest } from '../../contract/api.js';
import { RwError } from '../../contract/errors.js';
import type { Clock } from '../../core/clock.js';
import { restrictFile, writeSecretFile } from '../../core/private-files.js';
import type { Logger } from '../../core/logger.js';
import type { AgentRegistry } from './agent-registry.js';
import type { AgentRepository, AgentRow } from './agent-repository.js';
import type { AttemptGate } from '../accounts/attempt-guard.js';

const scryptAsync = promisify(scrypt) as (pw: string, salt: Buffer, len: number, opts: { N: number; r: number; p: number }) => Promise<Buffer>;
const SCRYPT = { N: 1024, r: 8, p: 1 } as const;
const KEY_LEN = 32;

export function newAgentId(): string {
  return randomBytes(6).toString('hex');
}

export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** `scrypt$N$r$p$salt$hash` (base64url), self-describing so the cost can change later. */
export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(secret, salt, KEY_LEN, SCRYPT);
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [, n, r, p, saltB64, hashB64] = parts as [string, string, string, string, string, string];
  const expected = Buffer.from(hashB64, 'base64url');
  const actual = await scryptAsync(secret, Buffer.from(saltB64, 'base64url'), expected.length, { N: Number(n), r: Number(r), p: Number(p) });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** Remembers secrets that verified, keyed by agent, as an HMAC under a per-process random key. */
export class VerifiedSecretCache {
  private readonly key = randomBytes(32);
  private readonly digests = new Map<string, Buffer>();

  private digest(secret: string): Buffer {
    return createHmac('sha256', this.key).update(secret).digest();
  }
  has(agentId: string, secret: string): boolean {
    const known = this.digests.get(agentId);
    return known !== undefined && timingSafeEqual(known, this.digest(secret));
  }
  remember(agentId: string, secret: string): void {
    this.digests.set(agentId, this.digest(secret));
  }
  forget(agentId: string): void {
    this.digests.delete(agentId);
  }
}

export function tokensEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The enrollment token's file in the data dir. */
export const ENROLL_TOKEN_FILE = 'enroll-token';

/** The enrollment token: the configured one, else the one stored in the data dir, else a new one.
 * The file is 0600 (docs/security.md, "Files"), and one left wider by an older version is tightened. */
export function loadOrCreateEnrollToken(file: string, configured: string | undefined): { token: string; created: boolean } {
  if (configured) return { token: configured, created: false };
  if (existsSync(file)) {
    restrictFile(file);
    return { token: readFileSync(file, 'utf8').trim(), created: false };
  }
  const token = newEnrollToken();
  writeSecretFile(file, token + '\n');
  return { token, created: true };
}

function newEnrollToken(): string {
  return randomBytes(18).toString('base64url');
}

/**
 * The enrollment token in force (S3, SEC). An admin rotates it (POST /enrollment/token) when it
 * leaked or an installer left: the new one is written to the data dir before it is used, so a
 * restart keeps it; agents already enrolled hold their own secrets and are not affected. One set
 * with --enroll-token is the operator's to change there: rotating it here would be undone by the
 * next start, so it is refused.
 */
export class EnrollmentToken {
  #token: string;
  readonly created: boolean;
  readonly configured: boolean;

  constructor(private readonly file: string, configured: string | undefined) {
    const { token, created } = loadOrCreateEnrollToken(file, configured);
    this.#token = token;
    this.created = created;
    this.configured = Boolean(configured);
  }

  current(): string {
    return this.#token;
  }

  rotate(): void {
    if (this.configured) {
      throw new RwError('RW_ERR_CONFLICT', 'the enrollment token is set with --enroll-token (RW_ENROLL_TOKEN): change it there and restart the appliance');
    }
    const token = newEnrollToken();
    writeSecretFile(this.file, token + '\n');
    this.#token = token;
  }
}

export interface AgentEnrollmentDeps {
  repo: AgentRepository;
  registry: AgentRegistry;
  /** the token in force now (an admin may rotate it) */
  token: () => string;
  /** servers the storage can hold in total */
  serverCapacity: () => number;
  clock: Clock;
  logger: Logger;
  /** an agent was enrolled (a new entry or a pre-registered one it took): its schedule is published */
  onEnrolled?: (row: AgentRow) => void;
  /** throttles wrong tokens per address (SEC); none: unthrottled */
  guard?: AttemptGate;
}

export const HOSTNAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;

export class AgentEnrollment {
  private readonly verified = new VerifiedSecretCache();

  constructor(private readonly deps: AgentEnrollmentDeps) {}

  /** `address`: the caller's, for the throttle in front of the token (SEC) */
  async enroll(body: unknown, address: string | null = null): Promise<{ agentId: string; secret: string }> {
    const req = body as Partial<EnrollRequest> | null;
    if (!req || typeof req.token !== 'string' || typeof req.hostname !== 'string') {
      throw new RwError('RW_ERR_BAD_REQUEST', 'body must be {"token": string, "hostname": string}');
    }
    if (!HOSTNAME_RE.test(req.hostname)) throw new RwError('RW_ERR_BAD_REQUEST', `hostname "${req.hostname.slice(0, 64)}" is not a valid host name`);
    const keys = [`addr:${address ?? 'unknown'}`];
    this.deps.guard?.admit(keys, address);
    if (!tokensEqual(req.token, this.deps.token())) {
      this.deps.logger.warn('enrollment refused: wrong token', { hostname: req.hostname, address, code: 'RW_ERR_ENROLL_TOKEN' });
      throw new RwError('RW_ERR_ENROLL_TOKEN', 'the enrollment token is wrong (an admin sees it in the web UI\'s Add server dialog, or set it with --enroll-token)');
    }
    this.deps.guard?.succeeded(keys);
    const taken = await this.takeAwaiting(req.hostname);
    if (taken) return taken;
    const enrolled = this.deps.repo.count();
    const capacity = this.deps.serverCapacity();
    if (enrolled + 1 > capacity) {
      throw new RwError('RW_ERR_CAPACITY', `storage is full: ${enrolled} servers enrolled, room for ${capacity}; free disk space or lower the retention before adding servers`);
    }
    const agentId = newAgentId();
    const secret = newSecret();
    const hash = await hashSecret(secret);
    this.deps.repo.insert(agentId, req.hostname, hash, this.deps.clock.now());
    this.verified.remember(agentId, secret);
    this.announce(agentId);
    this.deps.logger.info('agent enrolled', { agentId, hostname: req.hostname });
    return { agentId, secret };
  }

  /**
   * S3/S4: an agent whose host name equals a pre-registered server's takes that entry (its id,
   * the one the UI already showed, and its address). Its room was counted at pre-registration.
   */
  private async takeAwaiting(hostname: string): Promise<{ agentId: string; secret: string } | null> {
    const awaiting = this.deps.repo.findAwaiting(hostname);
    if (!awaiting) return null;
    const secret = newSecret();
    const hash = await hashSecret(secret);
    // another enrollment of the same name may have claimed it while this one hashed
    if (!this.deps.repo.claim(awaiting.id, hash)) return this.takeAwaiting(hostname);
    this.verified.remember(awaiting.id, secret);
    this.announce(awaiting.id);
    this.deps.logger.info('agent enrolled into a pre-registered server', { agentId: awaiting.id, hostname });
    return { agentId: awaiting.id, secret };
  }

  private announce(agentId: string): void {
    const row = this.deps.repo.get(agentId);
    if (!row) return;
    this.deps.registry.added(row);
    this.deps.onEnrolled?.(row);
  }

  /** A removed server's secret stops working at once (the cache of verified secrets included). */
  revoke(agentId: string): void {
    this.verified.forget(agentId);
  }

  async verify(agentId: string, secret: string): Promise<boolean> {
    if (this.verified.has(agentId, secret)) return true;
    const row = this.deps.repo.get(agentId);
    if (!row) return false;
    const ok = await verifySecret(secret, row.secretHash);
    if (ok) this.verified.remember(agentId, secret);
    return ok;
  }
}
