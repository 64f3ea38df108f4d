/**
 * Peer: a raw `ws` room broadcast. `?room=R` picks the room; `{"t":"send",...}` broadcasts
 * one message, serialized once, to every socket of the room.
 */
import { WebSocket, WebSocketServer } from 'ws';
import { type ChatMessage, portArgument } from '../lib/chat.js';

const rooms = new Map<string, Set<WebSocket>>();
const seqs = new Map<string, number>();
let nextId = 1;

const wss = new WebSocketServer({
  host: '127.0.0.1',
  port: portArgument(process.argv),
  perMessageDeflate: false,
});
wss.on('connection', (socket, request) => {
  const room = new URL(request.url ?? '/', 'http://x').searchParams.get('room') ?? 'lobby';
  const members = rooms.get(room) ?? new Set<WebSocket>();
  rooms.set(room, members);
  members.add(socket);
  socket.on('close', () => members.delete(socket));
  socket.on('message', (data) => {
    const sent = JSON.parse(data.toString()) as { content: string; clientId: string };
    const seq = (seqs.get(room) ?? 0) + 1;
    seqs.set(room, seq);
    const id = String(nextId++);
    const message: ChatMessage = {
      id,
      seq,
      cursor: `${room}:${seq}`,
      content: sent.content,
      clientId: sent.clientId,
      createdAt: new Date().toISOString(),
      sender: { id: '1', name: 'sender' },
    };
    const frame = Buffer.from(JSON.stringify({ t: 'message', message }));
    for (const member of members)
      if (member.readyState === WebSocket.OPEN) member.send(frame, { binary: false });
  });
  socket.send('{"t":"joined"}');
});
wss.on('listening', () => console.log('ready'));
