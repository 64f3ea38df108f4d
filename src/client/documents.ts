import { graphql } from './gql/index.js';

/** What the client asks of every message: enough to show it and to resume after it. */
export const ChatMessageFields = graphql(`
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
`);

export const RoomMessagesDocument = graphql(`
  subscription ClientRoomMessages($roomId: ID!, $after: String) {
    roomMessages(roomId: $roomId, after: $after) {
      ...ChatMessage
    }
  }
`);

export const DirectMessagesDocument = graphql(`
  subscription ClientDirectMessages($after: String) {
    directMessages(after: $after) {
      ...ChatMessage
    }
  }
`);

export const BroadcastsDocument = graphql(`
  subscription ClientBroadcasts($after: String) {
    broadcasts(after: $after) {
      ...ChatMessage
    }
  }
`);

export const PresenceChangedDocument = graphql(`
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
`);

export const SignUpDocument = graphql(`
  mutation ClientSignUp($name: String!, $password: String!) {
    signUp(name: $name, password: $password) {
      token
      user {
        id
        name
      }
    }
  }
`);

export const SignInDocument = graphql(`
  mutation ClientSignIn($name: String!, $password: String!) {
    signIn(name: $name, password: $password) {
      token
      user {
        id
        name
      }
    }
  }
`);

export const RoomsDocument = graphql(`
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
`);

export const CreateRoomDocument = graphql(`
  mutation ClientCreateRoom($name: String!) {
    createRoom(name: $name) {
      id
      name
    }
  }
`);

export const JoinRoomDocument = graphql(`
  mutation ClientJoinRoom($roomId: ID!) {
    joinRoom(roomId: $roomId) {
      id
      name
    }
  }
`);

export const SendRoomMessageDocument = graphql(`
  mutation ClientSendRoomMessage($roomId: ID!, $content: String!, $clientId: String) {
    sendRoomMessage(roomId: $roomId, content: $content, clientId: $clientId) {
      ...ChatMessage
    }
  }
`);

export const SendDirectMessageDocument = graphql(`
  mutation ClientSendDirectMessage($toUserId: ID!, $content: String!, $clientId: String) {
    sendDirectMessage(toUserId: $toUserId, content: $content, clientId: $clientId) {
      ...ChatMessage
    }
  }
`);

export const OnlineUsersDocument = graphql(`
  query ClientOnlineUsers {
    onlineUsers {
      status
      user {
        id
        name
      }
    }
  }
`);
