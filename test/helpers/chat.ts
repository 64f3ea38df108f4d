import type { GraphQLClient } from 'graphql-request';
import { graphql } from '../gql/index.js';
import type { TestUser } from './clients.js';

// Operations the feature suites share; every message is read with its current state.

export const ChatCreateRoomDoc = graphql(`
  mutation ChatCreateRoom($name: String!, $isPrivate: Boolean) {
    createRoom(name: $name, isPrivate: $isPrivate) {
      id
    }
  }
`);

export const ChatJoinRoomDoc = graphql(`
  mutation ChatJoinRoom($roomId: ID!) {
    joinRoom(roomId: $roomId) {
      id
    }
  }
`);

export const ChatInviteDoc = graphql(`
  mutation ChatInvite($roomId: ID!, $userId: ID!) {
    inviteToRoom(roomId: $roomId, userId: $userId) {
      id
    }
  }
`);

export const ChatSendRoomDoc = graphql(`
  mutation ChatSendRoom($roomId: ID!, $content: String!) {
    sendRoomMessage(roomId: $roomId, content: $content) {
      id
      seq
      cursor
    }
  }
`);

export const ChatSendDirectDoc = graphql(`
  mutation ChatSendDirect($toUserId: ID!, $content: String!) {
    sendDirectMessage(toUserId: $toUserId, content: $content) {
      id
      seq
      cursor
    }
  }
`);

export const ChatRoomHistoryDoc = graphql(`
  query ChatRoomHistory($roomId: ID!) {
    roomHistory(roomId: $roomId, first: 100) {
      edges {
        node {
          id
          kind
          seq
          content
          editedAt
          deletedAt
          replyCount
          reactions {
            emoji
            count
            viewerReacted
          }
          target {
            id
            content
          }
        }
      }
    }
  }
`);

export const ChatDirectHistoryDoc = graphql(`
  query ChatDirectHistory($withUserId: ID!) {
    directHistory(withUserId: $withUserId, first: 100) {
      edges {
        node {
          id
          kind
          seq
          content
          target {
            id
            seq
            content
          }
        }
      }
    }
  }
`);

export async function createRoom(user: TestUser, isPrivate = false): Promise<string> {
  const { createRoom } = await user.http.request(ChatCreateRoomDoc, {
    name: `room of ${user.name}`,
    isPrivate,
  });
  return createRoom.id;
}

export async function joinRoom(user: TestUser, roomId: string): Promise<void> {
  await user.http.request(ChatJoinRoomDoc, { roomId });
}

export async function sendToRoom(user: TestUser, roomId: string, content: string) {
  return (await user.http.request(ChatSendRoomDoc, { roomId, content })).sendRoomMessage;
}

export async function sendDirect(user: TestUser, to: TestUser, content: string) {
  return (await user.http.request(ChatSendDirectDoc, { toUserId: to.id, content }))
    .sendDirectMessage;
}

export async function roomHistory(client: GraphQLClient, roomId: string) {
  return (await client.request(ChatRoomHistoryDoc, { roomId })).roomHistory.edges.map(
    (edge) => edge.node,
  );
}
