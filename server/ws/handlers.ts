import {
  CHANNELS,
  type ClientMessage,
  PROTOCOL_VERSION,
  ProtocolError,
  type ServerMessage,
} from '../protocol/messages.ts';
import type { Client } from './client.ts';
import { CLIENT_LIMITS } from './client.ts';
import type { Hub } from './hub.ts';

/** Answers one validated client message: an `ack` (or `welcome` / `runList`) or a thrown ProtocolError. */
export async function handleMessage(hub: Hub, client: Client, msg: ClientMessage): Promise<void> {
  const { manager } = hub;
  const rid = msg.requestId === undefined ? {} : { requestId: msg.requestId };
  const reply = (m: ServerMessage) => client.send(m);
  switch (msg.type) {
    case 'hello':
      if (msg.protocolVersion !== PROTOCOL_VERSION) {
        throw new ProtocolError(
          'unsupported_version',
          `'protocolVersion' ${msg.protocolVersion} is not supported; this server speaks version ${PROTOCOL_VERSION}`,
        );
      }
      reply({ ...hub.welcome(), ...rid });
      return;
    case 'listRuns':
      reply({ type: 'runList', ...rid, runs: manager.list() });
      return;
    case 'createRun': {
      const run = manager.create(msg.config, { speed: msg.speed, replaySource: msg.replaySource });
      reply({ type: 'ack', ...rid, of: 'createRun', runId: run.id, run });
      return;
    }
    case 'subscribe': {
      const run = manager.get(msg.runId);
      const channels = msg.channels ?? [...CHANNELS];
      let set = client.subs.get(msg.runId);
      if (!set) {
        if (client.subs.size >= CLIENT_LIMITS.maxSubscriptions) {
          throw new ProtocolError(
            'bad_state',
            `a client may watch at most ${CLIENT_LIMITS.maxSubscriptions} runs`,
          );
        }
        set = new Set();
        client.subs.set(msg.runId, set);
      }
      const hadFrames = set.has('frames');
      for (const c of channels) set.add(c);
      reply({ type: 'ack', ...rid, of: 'subscribe', runId: msg.runId, run });
      reply({ type: 'runState', run });
      if (!hadFrames && set.has('frames')) {
        hub.framesSubscribersChanged(msg.runId);
        for (const last of manager.lastFrames(msg.runId)) client.frame(last);
      }
      return;
    }
    case 'unsubscribe': {
      manager.get(msg.runId);
      const set = client.subs.get(msg.runId);
      for (const c of msg.channels ?? CHANNELS) set?.delete(c);
      if (set && set.size === 0) client.subs.delete(msg.runId);
      hub.framesSubscribersChanged(msg.runId);
      reply({ type: 'ack', ...rid, of: 'unsubscribe', runId: msg.runId });
      return;
    }
    case 'control': {
      const { step } = await manager.control(msg.runId, msg.action, {
        count: msg.count,
        totalSteps: msg.totalSteps,
      });
      reply({ type: 'ack', ...rid, of: 'control', runId: msg.runId, step, run: manager.get(msg.runId) });
      return;
    }
    case 'setParams': {
      const { step, changes } = await manager.setParams(msg.runId, msg.params);
      reply({ type: 'ack', ...rid, of: 'setParams', runId: msg.runId, step, changes });
      return;
    }
    case 'deleteRun':
      await manager.remove(msg.runId);
      reply({ type: 'ack', ...rid, of: 'deleteRun', runId: msg.runId });
      return;
  }
}
