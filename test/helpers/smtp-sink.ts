// A tiny SMTP server on loopback for tests of mail channels (S13, B4): it speaks enough RFC 5321
// (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) to accept mail and keeps each message with its
// envelope and its decoded subject and body (base64 or plain). Python's aiosmtpd is not on every
// machine that runs the tests; this is.
import net from 'node:net';
import type { Teardownable } from './appliance-harness.js';

export interface SunkMail { from: string; to: string[]; raw: string; subject: string; text: string }

export interface SmtpSink { port: number; mails: SunkMail[] }

export async function startSmtpSink(t: Teardownable): Promise<SmtpSink> {
  const mails: SunkMail[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffer = '';
    let from = '';
    let to: string[] = [];
    let data: string[] | null = null;
    socket.write('220 sink ESMTP\r\n');
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      let nl: number;
      while ((nl = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 2);
        if (data) {
          if (line === '.') {
            mails.push(parseMail(from, to, data.join('\r\n')));
            data = null;
            socket.write('250 queued\r\n');
          } else {
            data.push(line.startsWith('.') ? line.slice(1) : line);
          }
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') socket.write('250-sink\r\n250 8BITMIME\r\n');
        else if (verb === 'HELO' || verb === 'NOOP' || verb === 'RSET') socket.write('250 ok\r\n');
        else if (verb === 'MAIL') { from = /<(.*)>/.exec(line)?.[1] ?? ''; to = []; socket.write('250 ok\r\n'); } else if (verb === 'RCPT') { to.push(/<(.*)>/.exec(line)?.[1] ?? ''); socket.write('250 ok\r\n'); } else if (verb === 'DATA') { data = []; socket.write('354 go on\r\n'); } else if (verb === 'QUIT') { socket.end('221 bye\r\n'); } else socket.write('502 not implemented\r\n');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => {
    for (const s of sockets) s.destroy();
    server.close(() => resolve());
  }));
  return { port: (server.address() as net.AddressInfo).port, mails };
}

function parseMail(from: string, to: string[], raw: string): SunkMail {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split);
  const body = raw.slice(split + 4);
  const header = (name: string): string => new RegExp(`^${name}: (.*)$`, 'mi').exec(head)?.[1] ?? '';
  const subject = header('Subject').replace(/=\?UTF-8\?B\?([^?]*)\?=/gi, (_w, b64: string) => Buffer.from(b64, 'base64').toString('utf8'));
  const text = /base64/i.test(header('Content-Transfer-Encoding')) ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8') : body;
  return { from, to, raw, subject, text };
}
