/** GraphiQL's first tab: what a newcomer does, in order, without reading anything else. */
export const GRAPHIQL_DEFAULT_QUERY = `# Welcome to Switchboard: rooms, direct messages and broadcasts over GraphQL.
#
# 1. Sign up: press the play button (▶) and pick "SignUp". Names are unique, so change
#    "alice" if it is taken (or use signIn with the same arguments).
#
# 2. Copy the "token" from the answer into the Headers tab at the bottom of this page:
#
#      { "Authorization": "Bearer <token>" }
#
#    That header signs in every request, and subscriptions too: GraphiQL sends it as the
#    graphql-ws connectionParams when it opens the WebSocket.
#
# 3. Run "CreateRoom", then "Watch" (roomId "1" is the first room made on a fresh server):
#    it replays what you missed, then stays live.
#
# 4. Open a new tab (+), paste "Send" there with the same header, and run it: the message
#    shows up in the "Watch" tab. To resume later without gaps or repeats, pass the last
#    message's cursor as \`after\`.

mutation SignUp {
  signUp(name: "alice", password: "correct horse") {
    token
    user { id name }
  }
}

mutation CreateRoom {
  createRoom(name: "general") { id name }
}

subscription Watch {
  roomMessages(roomId: "1") {
    seq
    kind
    sender { name }
    content
    cursor
  }
}

mutation Send {
  sendRoomMessage(roomId: "1", content: "hello") { seq cursor }
}
`;
