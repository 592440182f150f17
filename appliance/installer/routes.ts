// The agent installer, served by the appliance itself (S20, SEC): the install command
// (install-command.ts) fetches GET /install.sh over HTTPS pinned to the appliance's key; the
// script is scripts/install-agent.sh with `__APPLIANCE_URL__` replaced by the appliance's HTTPS
// origin at its configured address (--public-address, never the request's Host header, which
// the requester chooses) and `__APPLIANCE_PIN__` by its public-key pin. GET /agent/rackwatch-agent.js
// is the bundled agent (one file) and /agent/rackwatch-agent.js.sha256 its checksum, which the
// script checks before installing; /agent/sock-diag-<platform>-<arch>.node (and .sha256) the
// netlink addon the agent reads TCP sockets with, where there is one for the server's
// architecture; /agent/serialport-<platform>-<arch>.tar.gz (and .sha256) the serialport runtime a
// sentinel's modem channel loads from beside the agent (S13, B4; `install-agent.sh --with-modem`),
// built by scripts/serialport-archive.mjs from the appliance's own node_modules. All are public,
// like the bundle: they hold nothing of this appliance's. The files are found next to the
// appliance bundle in dist/ (`npm run build` puts them there); a build without them answers 404
// with what to do.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RwError } from '../../contract/errors.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export const INSTALL_SCRIPT_NAME = 'install-agent.sh';
export const AGENT_BUNDLE_NAME = 'agent.js';
export const URL_PLACEHOLDER = '__APPLIANCE_URL__';
export const PIN_PLACEHOLDER = '__APPLIANCE_PIN__';
const SERVED_AGENT_NAME = 'rackwatch-agent.js';

/** dist/ next to the bundle (dist/appliance.js), or ../../dist from the sources (appliance/http/). */
export function defaultDistDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [here, path.join(here, '..', '..', 'dist')];
  return candidates.find((c) => existsSync(path.join(c, AGENT_BUNDLE_NAME))) ?? candidates[0] ?? here;
}

function notBuilt(what: string): RwError {
  return new RwError('RW_ERR_NOT_FOUND', `${what} is not part of this appliance's build: run \`npm run build\` (it puts it in dist/)`);
}

/** A file of dist/ offered for download, and its SHA-256 (computed once per version of the file). */
function downloadable(file: string, servedName: string, contentType: string, what: string): {
  send(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply>;
  sendChecksum(reply: FastifyReply): Promise<FastifyReply>;
} {
  // the checksum of a 2 MB file costs a few ms: computed once per version of the file
  let digest: { key: string; hex: string } | null = null;
  const fileStat = async (): Promise<{ size: number; mtimeMs: number }> => {
    try {
      return await stat(file);
    } catch {
      throw notBuilt(what);
    }
  };
  return {
    async send(req, reply) {
      const s = await fileStat();
      reply.code(200).headers({
        'content-type': contentType,
        'content-length': s.size,
        'content-disposition': `attachment; filename="${servedName}"`,
        'cache-control': 'no-cache',
      });
      if (req.method === 'HEAD') return reply.send();
      return reply.send(createReadStream(file));
    },
    async sendChecksum(reply) {
      const s = await fileStat();
      const key = `${s.size}-${s.mtimeMs}`;
      if (digest?.key !== key) digest = { key, hex: createHash('sha256').update(await readFile(file)).digest('hex') };
      // the format `sha256sum -c` reads
      const body = `${digest.hex}  ${servedName}\n`;
      return reply.code(200).headers({ 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache' }).send(body);
    },
  };
}

/** "linux-x64.node" or "linux-x64.node.sha256": the netlink addons build.mjs puts in dist/. */
const ADDON_TARGET_RE = /^(linux-(?:x64|arm64|arm|ia32))\.node(\.sha256)?$/;
/** "linux-arm64.tar.gz" or "….sha256": the serialport archives (scripts/serialport-archive.mjs). */
const SERIALPORT_TARGET_RE = /^(linux-(?:x64|arm64|arm))\.tar\.gz(\.sha256)?$/;

export interface InstallerRoutesDeps {
  /** `https://<public address>:<https port>`: where the script downloads from and the agent enrolls */
  origin: () => string;
  /** `sha256//…` of the appliance's public key */
  pin: () => string;
  /** dist/ by default */
  distDir?: string;
}

export function installerRoutes(app: FastifyInstance, opts: InstallerRoutesDeps): Promise<void> {
  const distDir = opts.distDir ?? defaultDistDir();
  const scriptFile = path.join(distDir, INSTALL_SCRIPT_NAME);
  const agent = downloadable(path.join(distDir, AGENT_BUNDLE_NAME), SERVED_AGENT_NAME, 'text/javascript; charset=utf-8', 'the agent bundle');

  const permission = { permission: 'public' } as const;
  // downloads go out as they are: their content-length is what the script and curl check
  const download = { config: permission, compress: false } as const;
  app.get('/install.sh', { config: permission }, async (_req, reply) => {
    let script: string;
    try {
      script = await readFile(scriptFile, 'utf8');
    } catch {
      throw notBuilt('the agent install script');
    }
    // the configured address only: a forged Host header never reaches the script
    const body = script.replaceAll(URL_PLACEHOLDER, opts.origin()).replaceAll(PIN_PLACEHOLDER, opts.pin());
    return reply.code(200).headers({ 'content-type': 'text/x-shellscript; charset=utf-8', 'cache-control': 'no-store' }).send(body);
  });
  app.get(`/agent/${SERVED_AGENT_NAME}`, download, (req, reply) => agent.send(req, reply));
  app.get(`/agent/${SERVED_AGENT_NAME}.sha256`, { config: permission }, (_req, reply) => agent.sendChecksum(reply));
  // one file per architecture: the name is checked against its pattern before it becomes a file name
  const perTarget = (prefix: string, pattern: RegExp, suffix: string, contentType: string, what: string, unknown: string): void => {
    const files = new Map<string, ReturnType<typeof downloadable>>();
    app.get(`/agent/${prefix}:target`, download, async (req, reply) => {
      const match = pattern.exec((req.params as { target?: string }).target ?? '');
      if (!match?.[1]) throw new RwError('RW_ERR_NOT_FOUND', unknown);
      const name = `${prefix}${match[1]}${suffix}`;
      let file = files.get(name);
      if (!file) files.set(name, file = downloadable(path.join(distDir, name), name, contentType, `${what} ${name}`));
      return match[2] ? file.sendChecksum(reply) : file.send(req, reply);
    });
  };
  // the agent's netlink addon (agent/collectors/sock-diag.ts)
  perTarget('sock-diag-', ADDON_TARGET_RE, '.node', 'application/octet-stream', 'the netlink addon',
    'no netlink addon for that platform: the agent then reads /proc/net/tcp');
  // the serialport runtime of a sentinel's modem channel (agent/sentinel/modem-channel.ts)
  perTarget('serialport-', SERIALPORT_TARGET_RE, '.tar.gz', 'application/gzip', 'the serialport runtime',
    'no serialport runtime for that platform: the modem channel needs Linux on x64, arm64 or arm');
  return Promise.resolve();
}
