import { connect, type Socket } from 'node:net';

export interface RawResponse {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: string;
}

/**
 * One HTTP/1.1 connection spoken by hand, for what fetch cannot show: a request whose body is sent in
 * part and held, interim `100 Continue` answers, headers over Node's limit, and whether the server
 * closed the connection. Answers are parsed as they arrive (bodies by Content-Length).
 */
export class RawConnection {
  readonly socket: Socket;
  /** Resolves when the server has ended or closed the connection. */
  readonly ended: Promise<void>;
  private buffer = Buffer.alloc(0);
  private waiting: (() => void)[] = [];
  private isEnded = false;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.wake();
    });
    // A server that closes while this side still writes resets the connection; the answer read so far stays.
    socket.on('error', () => undefined);
    this.ended = new Promise((resolve) => {
      const done = () => {
        this.isEnded = true;
        this.wake();
        resolve();
      };
      socket.once('end', done);
      socket.once('close', done);
    });
  }

  static open(url: string): Promise<RawConnection> {
    const { hostname, port } = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  /** Writes a request head; `body` (all of it, or a first part of a longer declared one) follows at once. */
  send(method: string, path: string, headers: Record<string, string | number>, body?: Buffer | string): void {
    const lines = [
      `${method} ${path} HTTP/1.1`,
      'Host: 127.0.0.1',
      ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    ];
    this.socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (body !== undefined && body.length > 0) this.socket.write(body);
  }

  write(data: Buffer | string): void {
    this.socket.write(data);
  }

  /** The next complete answer (interim 1xx answers included); rejects when the connection ends first. */
  async next(): Promise<RawResponse> {
    for (;;) {
      const parsed = this.take();
      if (parsed) return parsed;
      if (this.isEnded) throw new Error(`the connection ended before an answer (${this.buffer.length} bytes unparsed)`);
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  close(): void {
    this.socket.destroy();
  }

  private wake(): void {
    for (const w of this.waiting.splice(0)) w();
  }

  private take(): RawResponse | undefined {
    const end = this.buffer.indexOf('\r\n\r\n');
    if (end < 0) return undefined;
    const [statusLine, ...lines] = this.buffer.subarray(0, end).toString('latin1').split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const status = Number(statusLine.split(' ')[1]);
    const length = status < 200 ? 0 : Number(headers['content-length'] ?? 0);
    if (this.buffer.length < end + 4 + length) return undefined;
    const body = this.buffer.subarray(end + 4, end + 4 + length).toString('utf8');
    this.buffer = this.buffer.subarray(end + 4 + length);
    return { status, headers, body };
  }
}
