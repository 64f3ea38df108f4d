import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from './gql/index.js';
import { connected, http, nextClose, signUp, wsClient } from './helpers/clients.js';
import { startProcess, type TestProcess } from './helpers/process.js';
import { createTestStorage, type TestStorage } from './helpers/storage.js';

const InflightCreateRoomDoc = graphql(`
  mutation InflightCreateRoom($name: String!) {
    createRoom(name: $name) {
      id
    }
  }
`);

const InflightSendDoc = graphql(`
  mutation InflightSend($roomId: ID!, $content: String!) {
    sendRoomMessage(roomId: $roomId, content: $content) {
      seq
    }
  }
`);

const InflightHistoryDoc = graphql(`
  query InflightHistory($roomId: ID!) {
    roomHistory(roomId: $roomId, last: 10) {
      edges {
        node {
          seq
          content
        }
      }
    }
  }
`);

interface Answer {
  status: number;
  body: string;
}

/**
 * A POST that the server has begun (it answered `Expect: 100-continue`) and whose body is
 * held back until `finish()`: a mutation in flight, for as long as the test wants.
 */
async function heldPost(
  url: string,
  token: string,
  payload: unknown,
): Promise<{ finish: () => Promise<Answer> }> {
  const body = Buffer.from(JSON.stringify(payload));
  const req = request(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'content-length': body.length,
      authorization: `Bearer ${token}`,
      expect: '100-continue',
    },
  });
  const answer = new Promise<Answer>((resolve, reject) => {
    req.once('error', reject);
    req.once('response', (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      response.once('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
    });
  });
  req.flushHeaders();
  await once(req, 'continue');
  return {
    finish: () => {
      req.end(body);
      return answer;
    },
  };
}

describe('SIGTERM with a mutation in flight', () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-inflight-'));
  const processes: TestProcess[] = [];
  let storage: TestStorage;
  beforeAll(async () => {
    storage = await createTestStorage(dir);
  });
  afterAll(async () => {
    await Promise.all(processes.map((server) => server.close()));
    await storage.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stops accepting connections, finishes the mutation, keeps it, and exits 0', async () => {
    const first = await startProcess(storage);
    processes.push(first);
    const alice = await signUp(first);
    const { createRoom } = await alice.http.request(InflightCreateRoomDoc, { name: 'inflight' });
    const client = wsClient(first, alice.token, { lazy: false });
    await connected(client);
    const held = await heldPost(first.url, alice.token, {
      query: print(InflightSendDoc),
      variables: { roomId: createRoom.id, content: 'in flight' },
    });

    const closeCode = nextClose(client);
    const exit = once(first.child, 'exit');
    first.child.kill('SIGTERM');
    // graphql-ws sockets are closed once the listener is: from here on, shutdown runs.
    expect(await closeCode).toBe(1001);
    await client.dispose();
    await expect(fetch(first.url)).rejects.toThrow();

    const answer = await held.finish();
    expect(answer.status).toBe(200);
    const { data } = JSON.parse(answer.body) as { data: { sendRoomMessage: { seq: number } } };
    // After the creator's "joined" message.
    expect(data.sendRoomMessage.seq).toBe(2);
    expect(await exit).toEqual([0, null]);

    const second = await startProcess(storage);
    processes.push(second);
    const history = await http(second, alice.token).request(InflightHistoryDoc, {
      roomId: createRoom.id,
    });
    expect(history.roomHistory.edges.map((edge) => edge.node)).toEqual([
      { seq: 1, content: `${alice.name} joined` },
      { seq: 2, content: 'in flight' },
    ]);
  });
});
