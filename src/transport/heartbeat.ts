import type { WebSocket, WebSocketServer } from 'ws';

/** How often sockets are pinged; one that has not answered the previous ping is dropped. */
export const KEEP_ALIVE_MS = 12_000;

/**
 * Drops dead connections, like graphql-ws's own keep-alive (which is turned off), with two
 * differences. A socket already closing is left alone: a slow consumer closed with 4413 may
 * not answer pings while it works through its backlog; ws's close timeout (30 s) gives it
 * that long to read the close frame, and only then destroys the socket. And a socket that
 * has not answered while output waits unsent on it has stopped reading rather than died:
 * `cutOff` closes it as a slow consumer (4413, counted), so that a client that was only
 * stalled reads why it was cut off behind its backlog and resumes from its cursor.
 */
export function keepAlive(
  wss: WebSocketServer,
  intervalMs: number,
  cutOff: (socket: WebSocket) => void,
): () => void {
  const answered = new WeakSet<WebSocket>();
  // One listener for every socket (EventEmitter calls it on the socket): no closure each.
  function onPong(this: WebSocket) {
    answered.add(this);
  }
  wss.on('connection', (socket) => {
    answered.add(socket);
    socket.on('pong', onPong);
  });
  const timer = setInterval(() => {
    for (const socket of wss.clients) {
      if (socket.readyState !== socket.OPEN) continue;
      if (!answered.has(socket)) {
        if (socket.bufferedAmount > 0) cutOff(socket);
        if (socket.readyState === socket.OPEN) socket.terminate();
        continue;
      }
      answered.delete(socket);
      socket.ping();
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
