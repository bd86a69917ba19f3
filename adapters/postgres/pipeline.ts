/**
 * Single statements of concurrent requests on a few shared connections in pipeline mode (pg's `pipeline: true`):
 * each statement goes out without waiting for the answers before it, and the statements of one event-loop turn
 * leave in one write.
 *
 * Why: on a pooled connection each statement is a write that wakes an idle PostgreSQL backend, and that write was
 * the largest single cost of a request with one indexed query. Measured on `GET /v1/members`, 50 connections,
 * PostgreSQL on the same 2-core machine, base and pipelined builds interleaved: server CPU per request 76-80 ->
 * 43 us, requests per second x1.9-2.1.
 *
 * What it gives up, and the bounds on it: statements on one connection are answered in order, so a slow one holds
 * those behind it. A lane whose oldest statement has waited `maxWaitMs`, or that holds `maxDepth` statements,
 * takes no more; statements then go to the pool as before. Only statements the caller does not cancel go here: a
 * cancel request stops whatever the backend runs, which on a shared connection could be another request's.
 */
import type { Socket } from 'node:net';
import type pg from 'pg';

export interface PipelineOptions {
  /** How many pipelined connections to keep (0: none; every statement goes to the pool). */
  connections: number;
  /** A new connection in pipeline mode, not yet connected. */
  open: () => pg.Client;
  /** A lane whose oldest statement has been out this long takes no more (default 2 ms). */
  maxWaitMs?: number;
  /** Statements one lane holds at most (default 64). */
  maxDepth?: number;
  /** Whether a statement's error means the connection is gone or in doubt (then the lane is dropped at once). */
  lost: (error: unknown) => boolean;
  /** After a lane fails, how long no new one is opened (default 1 s): the pool answers meanwhile. */
  retryMs?: number;
  /**
   * A lane left without statements this long is closed when next looked at, and a fresh one opened (default 30 s,
   * the pool's idle limit): a connection a NAT or firewall dropped in silence would otherwise take statements
   * until TCP gave up on it.
   */
  idleMs?: number;
  now?: () => number;
}

export interface Lane {
  readonly client: pg.Client;
  /** Runs one statement on this lane; `statement` must send it synchronously (pg's `client.query` does). */
  run<T>(statement: (client: pg.Client) => Promise<T>): Promise<T>;
}

export interface Pipelines {
  /** A connected lane with room, or undefined: then the statement goes to the pool. */
  take(): Lane | undefined;
  /** Lanes open now (connected or connecting; a connecting one takes no statement yet). */
  readonly open: number;
  close(): Promise<void>;
}

interface LaneState extends Lane {
  /** When each statement still out was sent, oldest first (a connection answers in order). */
  readonly sent: number[];
  connected: boolean;
  corked: boolean;
  gone: boolean;
  /** When its last statement was answered (or it connected). */
  idleSince: number;
}

export const pipelines = (options: PipelineOptions): Pipelines => {
  const now = options.now ?? (() => performance.now());
  const maxWaitMs = options.maxWaitMs ?? 2;
  const maxDepth = options.maxDepth ?? 64;
  const retryMs = options.retryMs ?? 1_000;
  const idleMs = options.idleMs ?? 30_000;
  const lanes: LaneState[] = [];
  let retryAt = 0;
  let closed = false;

  /** Removes a lane and ends its connection; after a failure (not an idle close) no new one opens for retryMs. */
  const drop = (lane: LaneState, failed = true): void => {
    if (lane.gone) return;
    lane.gone = true;
    lanes.splice(lanes.indexOf(lane), 1);
    if (failed) retryAt = now() + retryMs;
    lane.client.end().catch(() => {});
  };

  const openLane = (): LaneState => {
    const client = options.open();
    const lane: LaneState = {
      client,
      sent: [],
      connected: false,
      corked: false,
      gone: false,
      idleSince: now(),
      run: async (statement) => {
        lane.sent.push(now());
        // Hold this turn's writes and send them together when the turn ends: the statements of every request
        // read in one poll leave in one write (pg's own cork per statement nests inside this one).
        if (lane.connected && !lane.corked) {
          const stream = (client as unknown as { connection: { stream: Socket } }).connection.stream;
          lane.corked = true;
          stream.cork();
          setImmediate(() => {
            lane.corked = false;
            stream.uncork();
          });
        }
        try {
          return await statement(client);
        } catch (error) {
          // pg may tell the statements out on a broken connection before the connection's own events: drop the
          // lane now, so no statement that follows is sent to it.
          if (options.lost(error)) drop(lane);
          throw error;
        } finally {
          lane.sent.shift();
          lane.idleSince = now();
        }
      },
    };
    // A lost connection fails the statements out on it (the caller sees an outage); the lane is replaced later.
    client.on('error', () => drop(lane));
    client.on('end', () => drop(lane));
    client.connect().then(
      () => {
        lane.connected = true;
        lane.idleSince = now();
      },
      () => drop(lane),
    );
    lanes.push(lane);
    return lane;
  };

  return {
    take: () => {
      if (closed || options.connections <= 0) return undefined;
      const t = now();
      let best: LaneState | undefined;
      for (const lane of [...lanes]) {
        if (lane.connected && lane.sent.length === 0 && t - lane.idleSince >= idleMs) {
          drop(lane, false);
          continue;
        }
        // A lane still connecting takes nothing: its statements would wait for the connection and fail with it
        // when PostgreSQL refuses it (too many clients), while the pool's connections could answer them.
        if (!lane.connected) continue;
        const depth = lane.sent.length;
        if (depth >= maxDepth || (depth > 0 && t - lane.sent[0]! >= maxWaitMs)) continue;
        if (!best || depth < best.sent.length) best = lane;
      }
      // A busy best lane and room for another: open one for the statements that follow (after a failure, only
      // once retryMs has passed); this one goes to the best lane, or the pool.
      if ((!best || best.sent.length > 0) && lanes.length < options.connections && t >= retryAt) openLane();
      return best;
    },
    get open() {
      return lanes.length;
    },
    close: async () => {
      closed = true;
      await Promise.all(lanes.splice(0).map((lane) => ((lane.gone = true), lane.client.end().catch(() => {}))));
    },
  };
};
