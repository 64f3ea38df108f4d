/* eslint-disable */
import * as types from './graphql.js';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  fragment ChatMessage on Message {\n    id\n    channel\n    kind\n    seq\n    cursor\n    content\n    clientId\n    createdAt\n    sender {\n      id\n      name\n    }\n    recipient {\n      id\n      name\n    }\n    room {\n      id\n      name\n    }\n  }\n": typeof types.ChatMessageFragmentDoc,
    "\n  subscription ClientRoomMessages($roomId: ID!, $after: String) {\n    roomMessages(roomId: $roomId, after: $after) {\n      ...ChatMessage\n    }\n  }\n": typeof types.ClientRoomMessagesDocument,
    "\n  subscription ClientDirectMessages($after: String) {\n    directMessages(after: $after) {\n      ...ChatMessage\n    }\n  }\n": typeof types.ClientDirectMessagesDocument,
    "\n  subscription ClientBroadcasts($after: String) {\n    broadcasts(after: $after) {\n      ...ChatMessage\n    }\n  }\n": typeof types.ClientBroadcastsDocument,
    "\n  subscription ClientPresenceChanged($roomId: ID) {\n    presenceChanged(roomId: $roomId) {\n      status\n      connectionCount\n      user {\n        id\n        name\n      }\n    }\n  }\n": typeof types.ClientPresenceChangedDocument,
    "\n  mutation ClientSignUp($name: String!, $password: String!) {\n    signUp(name: $name, password: $password) {\n      token\n      user {\n        id\n        name\n      }\n    }\n  }\n": typeof types.ClientSignUpDocument,
    "\n  mutation ClientSignIn($name: String!, $password: String!) {\n    signIn(name: $name, password: $password) {\n      token\n      user {\n        id\n        name\n      }\n    }\n  }\n": typeof types.ClientSignInDocument,
    "\n  query ClientRooms {\n    rooms(first: 100) {\n      edges {\n        node {\n          id\n          name\n          memberCount\n          viewerIsMember\n        }\n      }\n    }\n  }\n": typeof types.ClientRoomsDocument,
    "\n  mutation ClientCreateRoom($name: String!) {\n    createRoom(name: $name) {\n      id\n      name\n    }\n  }\n": typeof types.ClientCreateRoomDocument,
    "\n  mutation ClientJoinRoom($roomId: ID!) {\n    joinRoom(roomId: $roomId) {\n      id\n      name\n    }\n  }\n": typeof types.ClientJoinRoomDocument,
    "\n  mutation ClientSendRoomMessage($roomId: ID!, $content: String!, $clientId: String) {\n    sendRoomMessage(roomId: $roomId, content: $content, clientId: $clientId) {\n      ...ChatMessage\n    }\n  }\n": typeof types.ClientSendRoomMessageDocument,
    "\n  mutation ClientSendDirectMessage($toUserId: ID!, $content: String!, $clientId: String) {\n    sendDirectMessage(toUserId: $toUserId, content: $content, clientId: $clientId) {\n      ...ChatMessage\n    }\n  }\n": typeof types.ClientSendDirectMessageDocument,
    "\n  query ClientOnlineUsers {\n    onlineUsers {\n      status\n      user {\n        id\n        name\n      }\n    }\n  }\n": typeof types.ClientOnlineUsersDocument,
};
const documents: Documents = {
    "\n  fragment ChatMessage on Message {\n    id\n    channel\n    kind\n    seq\n    cursor\n    content\n    clientId\n    createdAt\n    sender {\n      id\n      name\n    }\n    recipient {\n      id\n      name\n    }\n    room {\n      id\n      name\n    }\n  }\n": types.ChatMessageFragmentDoc,
    "\n  subscription ClientRoomMessages($roomId: ID!, $after: String) {\n    roomMessages(roomId: $roomId, after: $after) {\n      ...ChatMessage\n    }\n  }\n": types.ClientRoomMessagesDocument,
    "\n  subscription ClientDirectMessages($after: String) {\n    directMessages(after: $after) {\n      ...ChatMessage\n    }\n  }\n": types.ClientDirectMessagesDocument,
    "\n  subscription ClientBroadcasts($after: String) {\n    broadcasts(after: $after) {\n      ...ChatMessage\n    }\n  }\n": types.ClientBroadcastsDocument,
    "\n  subscription ClientPresenceChanged($roomId: ID) {\n    presenceChanged(roomId: $roomId) {\n      status\n      connectionCount\n      user {\n        id\n        name\n      }\n    }\n  }\n": types.ClientPresenceChangedDocument,
    "\n  mutation ClientSignUp($name: String!, $password: String!) {\n    signUp(name: $name, password: $password) {\n      token\n      user {\n        id\n        name\n      }\n    }\n  }\n": types.ClientSignUpDocument,
    "\n  mutation ClientSignIn($name: String!, $password: String!) {\n    signIn(name: $name, password: $password) {\n      token\n      user {\n        id\n        name\n      }\n    }\n  }\n": types.ClientSignInDocument,
    "\n  query ClientRooms {\n    rooms(first: 100) {\n      edges {\n        node {\n          id\n          name\n          memberCount\n          viewerIsMember\n        }\n      }\n    }\n  }\n": types.ClientRoomsDocument,
    "\n  mutation ClientCreateRoom($name: String!) {\n    createRoom(name: $name) {\n      id\n      name\n    }\n  }\n": types.ClientCreateRoomDocument,
    "\n  mutation ClientJoinRoom($roomId: ID!) {\n    joinRoom(roomId: $roomId) {\n      id\n      name\n    }\n  }\n": types.ClientJoinRoomDocument,
    "\n  mutation ClientSendRoomMessage($roomId: ID!, $content: String!, $clientId: String) {\n    sendRoomMessage(roomId: $roomId, content: $content, clientId: $clientId) {\n      ...ChatMessage\n    }\n  }\n": types.ClientSendRoomMessageDocument,
    "\n  mutation ClientSendDirectMessage($toUserId: ID!, $content: String!, $clientId: String) {\n    sendDirectMessage(toUserId: $toUserId, content: $content, clientId: $clientId) {\n      ...ChatMessage\n    }\n  }\n": types.ClientSendDirectMessageDocument,
    "\n  query ClientOnlineUsers {\n    onlineUsers {\n      status\n      user {\n        id\n        name\n      }\n    }\n  }\n": types.ClientOnlineUsersDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ChatMessage on Message {\n    id\n    channel\n    kind\n    seq\n    cursor\n    content\n    clientId\n    createdAt\n    sender {\n      id\n      name\n    }\n    recipient {\n      id\n      name\n    }\n    room {\n      id\n      name\n    }\n  }\n"): typeof import('./graphql.js').ChatMessageFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription ClientRoomMessages($roomId: ID!, $after: String) {\n    roomMessages(roomId: $roomId, after: $after) {\n      ...ChatMessage\n    }\n  }\n"): typeof import('./graphql.js').ClientRoomMessagesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription ClientDirectMessages($after: String) {\n    directMessages(after: $after) {\n      ...ChatMessage\n    }\n  }\n"): typeof import('./graphql.js').ClientDirectMessagesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription ClientBroadcasts($after: String) {\n    broadcasts(after: $after) {\n      ...ChatMessage\n    }\n  }\n"): typeof import('./graphql.js').ClientBroadcastsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription ClientPresenceChanged($roomId: ID) {\n    presenceChanged(roomId: $roomId) {\n      status\n      connectionCount\n      user {\n        id\n        name\n      }\n    }\n  }\n"): typeof import('./graphql.js').ClientPresenceChangedDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ClientSignUp($name: String!, $password: String!) {\n    signUp(name: $name, password: $password) {\n      token\n      user {\n        id\n        name\n      }\n    }\n  }\n"): typeof import('./graphql.js').ClientSignUpDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ClientSignIn($name: String!, $password: String!) {\n    signIn(name: $name, password: $password) {\n      token\n      user {\n        id\n        name\n      }\n    }\n  }\n"): typeof import('./graphql.js').ClientSignInDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ClientRooms {\n    rooms(first: 100) {\n      edges {\n        node {\n          id\n          name\n          memberCount\n          viewerIsMember\n        }\n      }\n    }\n  }\n"): typeof import('./graphql.js').ClientRoomsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ClientCreateRoom($name: String!) {\n    createRoom(name: $name) {\n      id\n      name\n    }\n  }\n"): typeof import('./graphql.js').ClientCreateRoomDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ClientJoinRoom($roomId: ID!) {\n    joinRoom(roomId: $roomId) {\n      id\n      name\n    }\n  }\n"): typeof import('./graphql.js').ClientJoinRoomDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ClientSendRoomMessage($roomId: ID!, $content: String!, $clientId: String) {\n    sendRoomMessage(roomId: $roomId, content: $content, clientId: $clientId) {\n      ...ChatMessage\n    }\n  }\n"): typeof import('./graphql.js').ClientSendRoomMessageDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ClientSendDirectMessage($toUserId: ID!, $content: String!, $clientId: String) {\n    sendDirectMessage(toUserId: $toUserId, content: $content, clientId: $clientId) {\n      ...ChatMessage\n    }\n  }\n"): typeof import('./graphql.js').ClientSendDirectMessageDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ClientOnlineUsers {\n    onlineUsers {\n      status\n      user {\n        id\n        name\n      }\n    }\n  }\n"): typeof import('./graphql.js').ClientOnlineUsersDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
