// A minimal SMTP client (RFC 5321) for the sentinel's e-mail channel (S13, B4): one message to a
// relay on the server's network that accepts mail from it without a login (the usual LAN relay,
// or the server's own MTA on 127.0.0.1:25). EHLO, MAIL FROM, RCPT TO, DATA, QUIT; the body is
// UTF-8 in base64 (Korean text, no 8-bit worries), the subject RFC 2047 encoded. No STARTTLS or
// AUTH: a relay that needs them is reached through the webhook channel of a mail API instead.
// A few dozen lines written here rather than a mail library in the agent (its 55 MB budget).
import net from 'node:net';
import os from 'node:os';

export interface SmtpMessage {
  host: string;
  port: number;
  from: string;
  to: readonly string[];
  subject: string;
  text: string;
  timeoutMs: number;
}

/** Sends one message; rejects naming the SMTP reply that refused it. */
export async function sendMail(m: SmtpMessage): Promise<void> {
  const socket = net.connect({ host: m.host, port: m.port });
  socket.setTimeout(m.timeoutMs, () => socket.destroy(new Error(`SMTP ${m.host}:${m.port}: no answer within ${m.timeoutMs} ms`)));
  const replies = replyReader(socket);
  try {
    await expect(replies, 220, 'greeting');
    await command(socket, replies, `EHLO ${os.hostname() || 'rackwatch-agent'}`, 250);
    await command(socket, replies, `MAIL FROM:<${m.from}>`, 250);
    for (const to of m.to) await command(socket, replies, `RCPT TO:<${to}>`, 250);
    await command(socket, replies, 'DATA', 354);
    socket.write(messageText(m));
    await expect(replies, 250, 'end of data');
    socket.write('QUIT\r\n');
    socket.end();
  } finally {
    socket.destroy();
  }
}

function messageText(m: SmtpMessage): string {
  const body = Buffer.from(m.text, 'utf8').toString('base64').replace(/.{1,76}/g, '$&\r\n');
  return [
    `From: <${m.from}>`, `To: ${m.to.map((t) => `<${t}>`).join(', ')}`,
    `Subject: =?UTF-8?B?${Buffer.from(m.subject, 'utf8').toString('base64')}?=`,
    `Date: ${new Date().toUTCString().replace('GMT', '+0000')}`,
    'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: base64',
    // base64 lines never start with '.': no dot-stuffing is needed
    '', body + '.', '',
  ].join('\r\n');
}

interface Reply { code: number; text: string }
type ReplyReader = () => Promise<Reply>;

/** Reads whole replies (multi-line "250-…" up to "250 …"), one per call, in order. */
function replyReader(socket: net.Socket): ReplyReader {
  let buffer = '';
  let lines: string[] = [];
  const ready: Reply[] = [];
  const waiting: { resolve: (r: Reply) => void; reject: (e: Error) => void }[] = [];
  let failure: Error | null = null;
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    if (buffer.length > 64 * 1024) socket.destroy(new Error('SMTP reply too long'));
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl).replace(/\r$/, '');
      buffer = buffer.slice(nl + 1);
      lines.push(line);
      if (line[3] !== '-') {
        const reply = { code: Number(line.slice(0, 3)), text: lines.join(' | ') };
        lines = [];
        const w = waiting.shift();
        if (w) w.resolve(reply);
        else ready.push(reply);
      }
    }
  });
  const fail = (error: Error): void => {
    failure = error;
    for (const w of waiting.splice(0)) w.reject(error);
  };
  socket.on('error', fail);
  socket.on('close', () => fail(new Error('SMTP connection closed')));
  return () => {
    const r = ready.shift();
    if (r) return Promise.resolve(r);
    if (failure) return Promise.reject(failure);
    return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
  };
}

async function expect(read: ReplyReader, code: number, what: string): Promise<void> {
  const reply = await read();
  if (reply.code !== code) throw new Error(`SMTP ${what}: ${reply.text}`);
}

async function command(socket: net.Socket, read: ReplyReader, line: string, code: number): Promise<void> {
  socket.write(`${line}\r\n`);
  await expect(read, code, line.split(/[ :]/)[0] ?? line);
}
