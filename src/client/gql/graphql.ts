/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export type Channel =
  | 'BROADCAST'
  | 'DIRECT'
  | 'ROOM';

export type MessageKind =
  /** `target` was deleted; `content` is empty */
  | 'DELETE'
  /** A change of `target`'s content; `content` is the new text */
  | 'EDIT'
  /** `content` is the emoji added to `target` */
  | 'REACTION'
  /** "x joined", "x left": written by the server, sender is null */
  | 'SYSTEM'
  | 'TEXT'
  /** `content` is the emoji taken off `target` */
  | 'UNREACTION';

export type PresenceStatus =
  | 'AWAY'
  | 'OFFLINE'
  | 'ONLINE';

export type ChatMessageFragment = { id: string, channel: Channel, kind: MessageKind, seq: number, cursor: string, content: string, clientId: string | null, createdAt: string, sender: { id: string, name: string } | null, recipient: { id: string, name: string } | null, room: { id: string, name: string } | null };

export type ClientRoomMessagesSubscriptionVariables = Exact<{
  roomId: string | number;
  after?: string | null | undefined;
}>;


export type ClientRoomMessagesSubscription = { roomMessages: { id: string, channel: Channel, kind: MessageKind, seq: number, cursor: string, content: string, clientId: string | null, createdAt: string, sender: { id: string, name: string } | null, recipient: { id: string, name: string } | null, room: { id: string, name: string } | null } };

export type ClientDirectMessagesSubscriptionVariables = Exact<{
  after?: string | null | undefined;
}>;


export type ClientDirectMessagesSubscription = { directMessages: { id: string, channel: Channel, kind: MessageKind, seq: number, cursor: string, content: string, clientId: string | null, createdAt: string, sender: { id: string, name: string } | null, recipient: { id: string, name: string } | null, room: { id: string, name: string } | null } };

export type ClientBroadcastsSubscriptionVariables = Exact<{
  after?: string | null | undefined;
}>;


export type ClientBroadcastsSubscription = { broadcasts: { id: string, channel: Channel, kind: MessageKind, seq: number, cursor: string, content: string, clientId: string | null, createdAt: string, sender: { id: string, name: string } | null, recipient: { id: string, name: string } | null, room: { id: string, name: string } | null } };

export type ClientPresenceChangedSubscriptionVariables = Exact<{
  roomId?: string | number | null | undefined;
}>;


export type ClientPresenceChangedSubscription = { presenceChanged: { status: PresenceStatus, connectionCount: number, user: { id: string, name: string } } };

export type ClientSignUpMutationVariables = Exact<{
  name: string;
  password: string;
}>;


export type ClientSignUpMutation = { signUp: { token: string, user: { id: string, name: string } } };

export type ClientSignInMutationVariables = Exact<{
  name: string;
  password: string;
}>;


export type ClientSignInMutation = { signIn: { token: string, user: { id: string, name: string } } };

export type ClientRoomsQueryVariables = Exact<{ [key: string]: never; }>;


export type ClientRoomsQuery = { rooms: { edges: Array<{ node: { id: string, name: string, memberCount: number, viewerIsMember: boolean } }> } };

export type ClientCreateRoomMutationVariables = Exact<{
  name: string;
}>;


export type ClientCreateRoomMutation = { createRoom: { id: string, name: string } };

export type ClientJoinRoomMutationVariables = Exact<{
  roomId: string | number;
}>;


export type ClientJoinRoomMutation = { joinRoom: { id: string, name: string } };

export type ClientSendRoomMessageMutationVariables = Exact<{
  roomId: string | number;
  content: string;
  clientId?: string | null | undefined;
}>;


export type ClientSendRoomMessageMutation = { sendRoomMessage: { id: string, channel: Channel, kind: MessageKind, seq: number, cursor: string, content: string, clientId: string | null, createdAt: string, sender: { id: string, name: string } | null, recipient: { id: string, name: string } | null, room: { id: string, name: string } | null } };

export type ClientSendDirectMessageMutationVariables = Exact<{
  toUserId: string | number;
  content: string;
  clientId?: string | null | undefined;
}>;


export type ClientSendDirectMessageMutation = { sendDirectMessage: { id: string, channel: Channel, kind: MessageKind, seq: number, cursor: string, content: string, clientId: string | null, createdAt: string, sender: { id: string, name: string } | null, recipient: { id: string, name: string } | null, room: { id: string, name: string } | null } };

export type ClientOnlineUsersQueryVariables = Exact<{ [key: string]: never; }>;


export type ClientOnlineUsersQuery = { onlineUsers: Array<{ status: PresenceStatus, user: { id: string, name: string } }> };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const ChatMessageFragmentDoc = new TypedDocumentString(`
    fragment ChatMessage on Message {
  id
  channel
  kind
  seq
  cursor
  content
  clientId
  createdAt
  sender {
    id
    name
  }
  recipient {
    id
    name
  }
  room {
    id
    name
  }
}
    `, {"fragmentName":"ChatMessage"}) as unknown as TypedDocumentString<ChatMessageFragment, unknown>;
export const ClientRoomMessagesDocument = new TypedDocumentString(`
    subscription ClientRoomMessages($roomId: ID!, $after: String) {
  roomMessages(roomId: $roomId, after: $after) {
    ...ChatMessage
  }
}
    fragment ChatMessage on Message {
  id
  channel
  kind
  seq
  cursor
  content
  clientId
  createdAt
  sender {
    id
    name
  }
  recipient {
    id
    name
  }
  room {
    id
    name
  }
}`) as unknown as TypedDocumentString<ClientRoomMessagesSubscription, ClientRoomMessagesSubscriptionVariables>;
export const ClientDirectMessagesDocument = new TypedDocumentString(`
    subscription ClientDirectMessages($after: String) {
  directMessages(after: $after) {
    ...ChatMessage
  }
}
    fragment ChatMessage on Message {
  id
  channel
  kind
  seq
  cursor
  content
  clientId
  createdAt
  sender {
    id
    name
  }
  recipient {
    id
    name
  }
  room {
    id
    name
  }
}`) as unknown as TypedDocumentString<ClientDirectMessagesSubscription, ClientDirectMessagesSubscriptionVariables>;
export const ClientBroadcastsDocument = new TypedDocumentString(`
    subscription ClientBroadcasts($after: String) {
  broadcasts(after: $after) {
    ...ChatMessage
  }
}
    fragment ChatMessage on Message {
  id
  channel
  kind
  seq
  cursor
  content
  clientId
  createdAt
  sender {
    id
    name
  }
  recipient {
    id
    name
  }
  room {
    id
    name
  }
}`) as unknown as TypedDocumentString<ClientBroadcastsSubscription, ClientBroadcastsSubscriptionVariables>;
export const ClientPresenceChangedDocument = new TypedDocumentString(`
    subscription ClientPresenceChanged($roomId: ID) {
  presenceChanged(roomId: $roomId) {
    status
    connectionCount
    user {
      id
      name
    }
  }
}
    `) as unknown as TypedDocumentString<ClientPresenceChangedSubscription, ClientPresenceChangedSubscriptionVariables>;
export const ClientSignUpDocument = new TypedDocumentString(`
    mutation ClientSignUp($name: String!, $password: String!) {
  signUp(name: $name, password: $password) {
    token
    user {
      id
      name
    }
  }
}
    `) as unknown as TypedDocumentString<ClientSignUpMutation, ClientSignUpMutationVariables>;
export const ClientSignInDocument = new TypedDocumentString(`
    mutation ClientSignIn($name: String!, $password: String!) {
  signIn(name: $name, password: $password) {
    token
    user {
      id
      name
    }
  }
}
    `) as unknown as TypedDocumentString<ClientSignInMutation, ClientSignInMutationVariables>;
export const ClientRoomsDocument = new TypedDocumentString(`
    query ClientRooms {
  rooms(first: 100) {
    edges {
      node {
        id
        name
        memberCount
        viewerIsMember
      }
    }
  }
}
    `) as unknown as TypedDocumentString<ClientRoomsQuery, ClientRoomsQueryVariables>;
export const ClientCreateRoomDocument = new TypedDocumentString(`
    mutation ClientCreateRoom($name: String!) {
  createRoom(name: $name) {
    id
    name
  }
}
    `) as unknown as TypedDocumentString<ClientCreateRoomMutation, ClientCreateRoomMutationVariables>;
export const ClientJoinRoomDocument = new TypedDocumentString(`
    mutation ClientJoinRoom($roomId: ID!) {
  joinRoom(roomId: $roomId) {
    id
    name
  }
}
    `) as unknown as TypedDocumentString<ClientJoinRoomMutation, ClientJoinRoomMutationVariables>;
export const ClientSendRoomMessageDocument = new TypedDocumentString(`
    mutation ClientSendRoomMessage($roomId: ID!, $content: String!, $clientId: String) {
  sendRoomMessage(roomId: $roomId, content: $content, clientId: $clientId) {
    ...ChatMessage
  }
}
    fragment ChatMessage on Message {
  id
  channel
  kind
  seq
  cursor
  content
  clientId
  createdAt
  sender {
    id
    name
  }
  recipient {
    id
    name
  }
  room {
    id
    name
  }
}`) as unknown as TypedDocumentString<ClientSendRoomMessageMutation, ClientSendRoomMessageMutationVariables>;
export const ClientSendDirectMessageDocument = new TypedDocumentString(`
    mutation ClientSendDirectMessage($toUserId: ID!, $content: String!, $clientId: String) {
  sendDirectMessage(toUserId: $toUserId, content: $content, clientId: $clientId) {
    ...ChatMessage
  }
}
    fragment ChatMessage on Message {
  id
  channel
  kind
  seq
  cursor
  content
  clientId
  createdAt
  sender {
    id
    name
  }
  recipient {
    id
    name
  }
  room {
    id
    name
  }
}`) as unknown as TypedDocumentString<ClientSendDirectMessageMutation, ClientSendDirectMessageMutationVariables>;
export const ClientOnlineUsersDocument = new TypedDocumentString(`
    query ClientOnlineUsers {
  onlineUsers {
    status
    user {
      id
      name
    }
  }
}
    `) as unknown as TypedDocumentString<ClientOnlineUsersQuery, ClientOnlineUsersQueryVariables>;