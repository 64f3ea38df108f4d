import {
  type ChatMessage,
  type ClientRoomsQuery,
  CreateRoomDocument,
  createResumableClient,
  type Document,
  JoinRoomDocument,
  OnlineUsersDocument,
  type PresenceChange,
  type ResumableClient,
  RoomsDocument,
  request,
  SendDirectMessageDocument,
  SendRoomMessageDocument,
  SignInDocument,
  SignUpDocument,
  SwitchboardError,
} from '../src/client/index.js';

/** A conversation: a room, or the direct messages with one user. */
type ConversationKey = `room:${string}` | `user:${string}`;
type Room = ClientRoomsQuery['rooms']['edges'][number]['node'];
type Online = Pick<PresenceChange, 'status' | 'user'>;

const HTTP_URL = '/graphql';
const WS_URL = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;

const $ = <T extends HTMLElement>(selector: string): T => {
  const element = document.querySelector<T>(selector);
  if (!element) throw new Error(`missing ${selector}`);
  return element;
};

const state = {
  token: '',
  me: { id: '', name: '' },
  client: undefined as ResumableClient | undefined,
  rooms: new Map<string, Room>(),
  /** Subscribed rooms: each resumes by itself after a drop. */
  watching: new Set<string>(),
  online: new Map<string, Online>(),
  conversations: new Map<ConversationKey, ChatMessage[]>(),
  active: undefined as ConversationKey | undefined,
};

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  text = '',
  className = '',
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.textContent = text;
  if (className) node.className = className;
  return node;
}

function api<TResult, TVariables>(
  document: Document<TResult, TVariables>,
  variables: TVariables,
): Promise<TResult> {
  return request(HTTP_URL, document, variables, state.token);
}

function showError(error: unknown): void {
  $('#error').textContent = error instanceof Error ? error.message : String(error);
}

// ---- rendering ----

function renderRooms(): void {
  const list = $('#rooms');
  list.replaceChildren(
    ...[...state.rooms.values()].map((room) => {
      const button = element('button', `# ${room.name}`);
      button.dataset.roomId = room.id;
      button.setAttribute('aria-current', String(state.active === `room:${room.id}`));
      button.onclick = () => void openRoom(room.id);
      const item = element('li');
      item.append(button);
      return item;
    }),
  );
}

function renderOnline(): void {
  const others = [...state.online.values()].filter((p) => p.user.id !== state.me.id);
  $('#online').replaceChildren(
    ...others.map((presence) => {
      const button = element('button');
      button.append(
        element('span', '', presence.status === 'AWAY' ? 'dot away' : 'dot'),
        presence.user.name,
      );
      button.dataset.userId = presence.user.id;
      button.setAttribute('aria-current', String(state.active === `user:${presence.user.id}`));
      button.onclick = () => openConversation(`user:${presence.user.id}`);
      const item = element('li');
      item.append(button);
      return item;
    }),
  );
}

function titleOf(key: ConversationKey): string {
  const [kind, id] = key.split(':') as ['room' | 'user', string];
  if (kind === 'room') return `# ${state.rooms.get(id)?.name ?? id}`;
  return `@ ${state.online.get(id)?.user.name ?? 'direct messages'}`;
}

function renderMessages(): void {
  const list = $('#messages');
  const messages = state.active ? (state.conversations.get(state.active) ?? []) : [];
  list.replaceChildren(
    ...messages.map((message) => {
      const item = element('li', '', message.kind === 'SYSTEM' ? 'system' : '');
      item.dataset.seq = String(message.seq);
      if (message.sender) item.append(element('b', message.sender.name));
      item.append(element('span', message.content, 'content'));
      return item;
    }),
  );
  list.scrollTop = list.scrollHeight;
}

function render(): void {
  $('#title').textContent = state.active ? titleOf(state.active) : 'Pick a room, or someone online';
  for (const control of $('#composer').querySelectorAll<HTMLInputElement | HTMLButtonElement>(
    'input, button',
  ))
    control.disabled = !state.active;
  renderRooms();
  renderOnline();
  renderMessages();
}

// ---- streams ----

function append(key: ConversationKey, message: ChatMessage): void {
  const list = state.conversations.get(key) ?? [];
  list.push(message);
  state.conversations.set(key, list);
  if (key === state.active) renderMessages();
}

function watchRoom(roomId: string): void {
  if (state.watching.has(roomId) || !state.client) return;
  state.watching.add(roomId);
  state.client.room(roomId, {
    next: (message) => append(`room:${roomId}`, message),
    error: showError,
  });
}

function peerOf(message: ChatMessage): string {
  return message.sender?.id === state.me.id
    ? (message.recipient?.id ?? state.me.id)
    : (message.sender?.id ?? '');
}

async function loadRooms(): Promise<void> {
  const { rooms } = await api(RoomsDocument, {});
  state.rooms = new Map(rooms.edges.map(({ node }) => [node.id, node]));
  for (const room of state.rooms.values()) if (room.viewerIsMember) watchRoom(room.id);
}

async function openRoom(roomId: string): Promise<void> {
  const room = state.rooms.get(roomId);
  if (room && !room.viewerIsMember) {
    await api(JoinRoomDocument, { roomId });
    state.rooms.set(roomId, { ...room, viewerIsMember: true });
  }
  watchRoom(roomId);
  openConversation(`room:${roomId}`);
}

function openConversation(key: ConversationKey): void {
  state.active = key;
  render();
  $<HTMLInputElement>('#composer input').focus();
}

async function start(token: string, me: { id: string; name: string }): Promise<void> {
  state.token = token;
  state.me = me;
  $('#me').textContent = me.name;
  $('#login').hidden = true;
  $('#app').hidden = false;
  const client = createResumableClient({ url: WS_URL, token });
  state.client = client;
  client.onStatus((status) => {
    const badge = $('#status');
    badge.dataset.status = status;
    badge.textContent = status === 'disconnected' ? 'offline' : status;
  });
  client.direct({ next: (message) => append(`user:${peerOf(message)}`, message) });
  client.presence(undefined, {
    next: (presence) => {
      if (presence.status === 'OFFLINE') state.online.delete(presence.user.id);
      else state.online.set(presence.user.id, presence);
      renderOnline();
    },
  });
  const [{ onlineUsers }] = await Promise.all([api(OnlineUsersDocument, {}), loadRooms()]);
  for (const presence of onlineUsers) state.online.set(presence.user.id, presence);
  render();
}

// ---- forms ----

$<HTMLFormElement>('#login').onsubmit = async (event) => {
  event.preventDefault();
  const form = new FormData(event.target as HTMLFormElement);
  const credentials = { name: String(form.get('name')), password: String(form.get('password')) };
  try {
    const auth = await request(HTTP_URL, SignUpDocument, credentials)
      .then((data) => data.signUp)
      .catch(async (error: unknown) => {
        // The name exists: then these are sign-in credentials.
        if (error instanceof SwitchboardError && error.code === 'CONFLICT')
          return (await request(HTTP_URL, SignInDocument, credentials)).signIn;
        throw error;
      });
    await start(auth.token, auth.user);
  } catch (error) {
    showError(error);
  }
};

$<HTMLFormElement>('#new-room').onsubmit = async (event) => {
  event.preventDefault();
  const input = (event.target as HTMLFormElement).querySelector('input') as HTMLInputElement;
  const { createRoom } = await api(CreateRoomDocument, { name: input.value });
  input.value = '';
  await loadRooms();
  await openRoom(createRoom.id);
};

$<HTMLFormElement>('#composer').onsubmit = async (event) => {
  event.preventDefault();
  const input = $<HTMLInputElement>('#composer input');
  const content = input.value.trim();
  const key = state.active;
  if (!content || !key) return;
  // The same clientId on a retry makes the send idempotent.
  const clientId = crypto.randomUUID();
  const [kind, id] = key.split(':') as ['room' | 'user', string];
  input.value = '';
  try {
    if (kind === 'room') await api(SendRoomMessageDocument, { roomId: id, content, clientId });
    else await api(SendDirectMessageDocument, { toUserId: id, content, clientId });
  } catch (error) {
    input.value = content;
    showError(error);
  }
};
