import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerDataStream } from 'smtp-server';

export interface ReceivedMail {
  messageId: string;
  to: string[];
  headers: Map<string, string>;
  /** The decoded text body. */
  text: string;
}

/** Decodes quoted-printable or base64 body text (what nodemailer writes for plain text). */
function decodeBody(body: string, encoding: string | undefined): string {
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') {
    const bytes = body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, h: string) => `%${h}`);
    return decodeURIComponent(bytes.replace(/%(?![0-9A-F]{2})/gi, '%25'));
  }
  return body;
}

/** RFC 2047 encoded words (=?UTF-8?Q?…?= / =?UTF-8?B?…?=) in a header. */
function decodeHeader(value: string): string {
  return value.replace(/=\?utf-8\?([QB])\?([^?]*)\?=\s*/gi, (_, kind: string, text: string) => kind.toUpperCase() === 'B'
    ? Buffer.from(text, 'base64').toString('utf8')
    : decodeURIComponent(text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, '%$1')));
}

export function parseMail(raw: string, to: string[]): ReceivedMail {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const headers = new Map<string, string>();
  for (const line of head.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).toLowerCase(), decodeHeader(line.slice(colon + 1).trim()));
  }
  const text = decodeBody(raw.slice(split + 4), headers.get('content-transfer-encoding')?.toLowerCase());
  return { messageId: headers.get('message-id') ?? '', to, headers, text };
}

export interface SmtpReceiver {
  port: number;
  /** Every message the server accepted (answered 250), in order. */
  received: ReceivedMail[];
  /**
   * Called with each message before it is answered: return 'accept', 'reject' (451, try later)
   * or 'hold' (never answered: the message is not accepted).
   */
  decide: (mail: ReceivedMail) => 'accept' | 'reject' | 'hold';
  close(): Promise<void>;
}

/** A real SMTP server (smtp-server) on loopback, without TLS or authentication. */
export async function startSmtpReceiver(): Promise<SmtpReceiver> {
  const receiver: SmtpReceiver = {
    port: 0,
    received: [],
    decide: () => 'accept',
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream: SMTPServerDataStream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const mail = parseMail(Buffer.concat(chunks).toString('utf8'), session.envelope.rcptTo.map((r) => r.address));
        const decision = receiver.decide(mail);
        if (decision === 'hold') return;
        if (decision === 'reject') {
          callback(Object.assign(new Error('try again later'), { responseCode: 451 }));
          return;
        }
        receiver.received.push(mail);
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.port = (server.server.address() as AddressInfo).port;
  return receiver;
}
