/** Peer: Socket.IO 4 with rooms, websocket transport only. */
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { type ChatMessage, portArgument } from '../lib/chat.js';

const http = createServer();
const io = new Server(http, { transports: ['websocket'], perMessageDeflate: false });
const seqs = new Map<string, number>();
let nextId = 1;

io.on('connection', (socket) => {
  socket.on('join', (room: string) => {
    void socket.join(room);
    socket.emit('joined');
  });
  socket.on('send', (sent: { room: string; content: string; clientId: string }) => {
    const seq = (seqs.get(sent.room) ?? 0) + 1;
    seqs.set(sent.room, seq);
    const message: ChatMessage = {
      id: String(nextId++),
      seq,
      cursor: `${sent.room}:${seq}`,
      content: sent.content,
      clientId: sent.clientId,
      createdAt: new Date().toISOString(),
      sender: { id: '1', name: 'sender' },
    };
    io.to(sent.room).emit('message', message);
  });
});
http.listen(portArgument(process.argv), '127.0.0.1', () => console.log('ready'));
