/**
 * A minimal WebSocket client on net.Socket for the load generator: the handshake, masked
 * client text frames, and a frame reader that skips the payload of large frames it only
 * counts, so that thousands of connections cost the load process far less than `ws` would.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

/** Text frames at most this long are read whole (control messages: acks, pings). */
export const SMALL_FRAME_BYTES = 160;

export interface LeanHandlers {
  /** Right after the handshake, before any frame is read. */
  onOpen(socket: LeanSocket): void;
  /** Every text frame longer than SMALL_FRAME_BYTES; payload only when `readLarge`. */
  onLarge(payload: Buffer | undefined): void;
  /** Small text frames (acks, protocol pings), always read. */
  onSmall(payload: Buffer): void;
  onClose(): void;
}

const OP_TEXT = 0x1;
const OP_BINARY = 0x2;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const OP_PONG = 0xa;

export class LeanSocket {
  /** Read the payload of large frames too (senders that time their own messages). */
  readLarge = false;
  closed = false;
  #pending: Buffer | undefined;
  #skip = 0;
  #collect: { opcode: number; parts: Buffer[]; left: number; large: boolean } | undefined;

  private constructor(
    private readonly socket: Socket,
    private readonly handlers: LeanHandlers,
  ) {}

  static open(
    port: number,
    path: string,
    protocol: string | undefined,
    handlers: LeanHandlers,
    timeoutMs = 15_000,
  ): Promise<LeanSocket> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.setNoDelay(true);
      const key = randomBytes(16).toString('base64');
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`handshake timeout on ${path}`));
      }, timeoutMs);
      let head = Buffer.alloc(0);
      const onData = (chunk: Buffer) => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        socket.off('data', onData);
        clearTimeout(timer);
        const status = head.subarray(0, head.indexOf('\r\n')).toString();
        if (!status.includes(' 101 ')) {
          socket.destroy();
          reject(new Error(`handshake refused: ${status}`));
          return;
        }
        const lean = new LeanSocket(socket, handlers);
        socket.on('data', (data: Buffer) => lean.#read(data));
        socket.on('close', () => {
          lean.closed = true;
          handlers.onClose();
        });
        handlers.onOpen(lean);
        const rest = head.subarray(end + 4);
        if (rest.length > 0) lean.#read(rest);
        resolve(lean);
      };
      socket.on('data', onData);
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      socket.once('connect', () => {
        socket.write(
          `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\n` +
            `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n` +
            (protocol ? `Sec-WebSocket-Protocol: ${protocol}\r\n` : '') +
            '\r\n',
        );
      });
    });
  }

  send(text: string): void {
    this.#frame(OP_TEXT, Buffer.from(text));
  }

  close(): void {
    this.socket.destroy();
  }

  #frame(opcode: number, payload: Buffer): void {
    if (this.closed) return;
    const length = payload.length;
    const headerLength = length < 126 ? 2 : length < 65_536 ? 4 : 10;
    const frame = Buffer.allocUnsafe(headerLength + 4 + length);
    frame[0] = 0x80 | opcode;
    if (length < 126) frame[1] = 0x80 | length;
    else if (length < 65_536) {
      frame[1] = 0x80 | 126;
      frame.writeUInt16BE(length, 2);
    } else {
      frame[1] = 0x80 | 127;
      frame.writeBigUInt64BE(BigInt(length), 2);
    }
    const mask = randomBytes(4);
    mask.copy(frame, headerLength);
    for (let i = 0; i < length; i += 1) {
      frame[headerLength + 4 + i] = (payload[i] ?? 0) ^ (mask[i & 3] ?? 0);
    }
    this.socket.write(frame);
  }

  #read(chunk: Buffer): void {
    const data = this.#pending ? Buffer.concat([this.#pending, chunk]) : chunk;
    this.#pending = undefined;
    let at = 0;
    while (at < data.length) {
      if (this.#skip > 0) {
        const n = Math.min(this.#skip, data.length - at);
        this.#skip -= n;
        at += n;
        continue;
      }
      const collect = this.#collect;
      if (collect) {
        const n = Math.min(collect.left, data.length - at);
        collect.parts.push(data.subarray(at, at + n));
        collect.left -= n;
        at += n;
        if (collect.left === 0) {
          this.#collect = undefined;
          this.#deliver(collect.opcode, Buffer.concat(collect.parts), collect.large);
        }
        continue;
      }
      // A frame header: server frames are never masked.
      if (data.length - at < 2) break;
      const opcode = (data[at] ?? 0) & 0x0f;
      let length = (data[at + 1] ?? 0) & 0x7f;
      let headerLength = 2;
      if (length === 126) {
        if (data.length - at < 4) break;
        length = data.readUInt16BE(at + 2);
        headerLength = 4;
      } else if (length === 127) {
        if (data.length - at < 10) break;
        length = Number(data.readBigUInt64BE(at + 2));
        headerLength = 10;
      }
      at += headerLength;
      const isData = opcode === OP_TEXT || opcode === OP_BINARY;
      const large = isData && length > SMALL_FRAME_BYTES;
      if (large && !this.readLarge) {
        this.handlers.onLarge(undefined);
        this.#skip = length;
      } else {
        this.#collect = { opcode, parts: [], left: length, large };
        if (length === 0) {
          this.#collect = undefined;
          this.#deliver(opcode, Buffer.alloc(0), large);
        }
      }
    }
    if (at < data.length) this.#pending = Buffer.from(data.subarray(at));
  }

  #deliver(opcode: number, payload: Buffer, large: boolean): void {
    if (opcode === OP_PING) this.#frame(OP_PONG, payload);
    else if (opcode === OP_CLOSE) this.socket.end();
    else if (opcode === OP_TEXT || opcode === OP_BINARY || opcode === 0) {
      if (large) this.handlers.onLarge(payload);
      else this.handlers.onSmall(payload);
    }
  }
}
