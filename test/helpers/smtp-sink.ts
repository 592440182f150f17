// A tiny SMTP server on loopback for tests of mail channels (S13, B4): it speaks enough RFC 5321
// (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) to accept mail and keeps each message with its
// envelope and its decoded subject and body (base64 or plain). Python's aiosmtpd is not on every
// machine that runs the tests; this is.
import net from 'node:net';
import type { Teardownable } from './appliance-harness.js';

export interface SunkMail { from: string; to: string[]; raw: string; subject: string; text: string }

export interface SmtpSink { port: number; mails: SunkMail[] }

/** `host`: the address it listens on (default loopback; a test's network namespace link otherwise) */
export async function startSmtpSink(t: Teardownable, host = '127.0.0.1'): Promise<SmtpSink> {
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
    const answer = (line: string): string => {
      switch (line.slice(0, 4).toUpperCase()) {
        case 'EHLO': return '250-sink\r\n250 8BITMIME\r\n';
        case 'HELO': case 'NOOP': case 'RSET': return '250 ok\r\n';
        case 'MAIL':
          from = /<(.*)>/.exec(line)?.[1] ?? '';
          to = [];
          return '250 ok\r\n';
        case 'RCPT':
          to.push(/<(.*)>/.exec(line)?.[1] ?? '');
          return '250 ok\r\n';
        case 'DATA':
          data = [];
          return '354 go on\r\n';
        case 'QUIT': return '221 bye\r\n';
        default: return '502 not implemented\r\n';
      }
    };
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
        const reply = answer(line);
        socket.write(reply);
        if (reply.startsWith('221')) socket.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
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
