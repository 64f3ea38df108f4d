import type { WebSocket, WebSocketServer } from 'ws';

/** How often sockets are pinged; one that has not answered the previous ping is dropped. */
export const KEEP_ALIVE_MS = 12_000;

/**
 * Drops dead connections, like graphql-ws's own keep-alive (which is turned off), with one
 * difference: a socket already closing is left alone. A slow consumer closed with 4413 may
 * not answer pings while it works through its backlog; ws's close timeout (30 s) gives it
 * that long to read the close frame, and only then destroys the socket.
 */
export function keepAlive(wss: WebSocketServer, intervalMs: number): () => void {
  const answered = new WeakSet<WebSocket>();
  wss.on('connection', (socket) => {
    answered.add(socket);
    socket.on('pong', () => answered.add(socket));
  });
  const timer = setInterval(() => {
    for (const socket of wss.clients) {
      if (socket.readyState !== socket.OPEN) continue;
      if (!answered.has(socket)) {
        socket.terminate();
        continue;
      }
      answered.delete(socket);
      socket.ping();
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
