/**
 * Compiles one declarative WebSocket step. Each run is one connection: connect, then either a number of
 * request/reply round trips, or a session held open for a duration (sending at an interval, or only
 * receiving), then a clean close. Templates are compiled here, once per step.
 *
 * Hot path: a run allocates one exchange object and at most two timers (reused with refresh()); a message
 * allocates nothing of ours beyond what its checks parse.
 */

import { durationUs } from '../api/duration.js';
import { redactUrl } from '../api/redact.js';
import type { Step } from '../api/schema.js';
import type { ErrorClass, FixedErrorClass } from '../metrics/error-class.js';
import type { StepRecorder } from '../metrics/recorder.js';
import {
  describeCloseCode,
  WS_MESSAGE_TOO_BIG,
  WS_NORMAL_CLOSURE,
  WsConnection,
  type WsListener,
} from '../protocols/websocket.js';
import type { FlowEnv, StepRunner } from './flow-env.js';
import { compileJsonPath, type JsonPath, readJsonPath } from './json-path.js';
import { type CompiledTemplate, compileTemplate, type TemplateContext } from './template.js';
import type { IterationState, VU } from './vu.js';
import { compileExpect, compileMessage, type ReplyMatcher } from './ws-message.js';

/** Characters of a non-matching reply quoted in the error message. */
const PREVIEW_CHARS = 80;

export interface CompiledWsStep {
  env: FlowEnv;
  recorder: StepRecorder;
  urlPrefix: string;
  path: CompiledTemplate;
  headers: [string, CompiledTemplate][];
  staticHeaders: Record<string, string> | undefined;
  subprotocols: string[];
  connectTimeoutMs: number;
  replyTimeoutMs: number;
  message: ((ctx: TemplateContext) => string | Buffer) | undefined;
  expect: ReplyMatcher | undefined;
  messages: number;
  sessionMs: number | undefined;
  intervalMs: number | undefined;
  latencyFrom: JsonPath | undefined;
  /** Parse each message as JSON: expect.json or latencyFrom reads it. */
  parseJson: boolean;
}

export function defaultWsStepName(step: Step): string {
  return `WS ${redactUrl(step.ws?.url ?? '')}`;
}

export function compileWsStep(step: Step, name: string, env: FlowEnv): StepRunner {
  const spec = step.ws as NonNullable<Step['ws']>;
  const absolute = /^(wss?:\/\/[^/?#]+)(.*)$/.exec(spec.url);
  const urlPrefix = absolute
    ? (absolute[1] as string)
    : env.target.origin.replace(/^http/, 'ws') + env.target.basePath.replace(/\/$/, '');
  const headers = Object.entries({ ...env.target.headers, ...spec.headers }).map(
    ([k, v]) => [k, compileTemplate(v)] as [string, CompiledTemplate],
  );
  const compiled: CompiledWsStep = {
    env,
    recorder: env.recorder(name, 'ws'),
    urlPrefix,
    path: compileTemplate(absolute ? absolute[2] || '/' : spec.url),
    headers,
    staticHeaders: headers.every(([, t]) => t.isStatic)
      ? Object.fromEntries(headers.map(([k, t]) => [k, t.source]))
      : undefined,
    subprotocols: spec.subprotocols ?? [],
    connectTimeoutMs: spec.connectTimeout ? durationUs(spec.connectTimeout) / 1000 : env.target.timeoutMs,
    replyTimeoutMs: spec.replyTimeout ? durationUs(spec.replyTimeout) / 1000 : env.target.timeoutMs,
    message: spec.send ? compileMessage(spec.send) : undefined,
    expect: spec.expect ? compileExpect(spec.expect) : undefined,
    messages: spec.messages ?? 1,
    sessionMs: spec.session ? durationUs(spec.session.duration) / 1000 : undefined,
    intervalMs: spec.session?.interval ? durationUs(spec.session.interval) / 1000 : undefined,
    latencyFrom: spec.latencyFrom ? compileJsonPath(spec.latencyFrom) : undefined,
    parseJson: spec.latencyFrom !== undefined || spec.expect?.json !== undefined,
  };
  return (vu, it) => new WsExchange(compiled, vu, it).done;
}

function handshakeHeaders(step: CompiledWsStep, vu: VU): Record<string, string> | undefined {
  let headers = step.staticHeaders;
  if (!headers) {
    headers = {};
    for (const [k, t] of step.headers) headers[k] = t.render(vu.ctx);
  }
  const cookie = vu.cookies.header();
  if (cookie !== undefined) headers = { ...headers, cookie };
  return step.headers.length || cookie !== undefined ? headers : undefined;
}

/** One run of a WebSocket step: a connection and what happens on it. */
class WsExchange implements WsListener {
  readonly done: Promise<void>;
  private resolveDone!: () => void;
  private readonly conn: WsConnection;
  private openedAtMs = 0;
  private finished = false;
  /** We asked for the close; replies that arrive after it no longer count. */
  private closing = false;
  /** A message over maxBodyBytes closed the connection (counted then, not again at the close). */
  private tooBig = false;
  /** Request/reply: when the message awaiting its reply was sent, or -1. */
  private awaitingSinceMs = -1;
  private repliesLeft: number;
  /** Session: send times of messages awaiting replies, oldest first, from index `pendingHead`. */
  private readonly pending: number[] = [];
  private pendingHead = 0;
  private timer: NodeJS.Timeout | undefined;
  private ticker: NodeJS.Timeout | undefined;

  constructor(
    private readonly step: CompiledWsStep,
    private readonly vu: VU,
    private readonly it: IterationState,
  ) {
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
    this.repliesLeft = step.messages;
    // Rendered first: a template that throws (randomString over its limit) fails the iteration, and nothing
    // is registered yet that a hard stop would have to abort.
    const url = step.urlPrefix + (step.path.isStatic ? step.path.source : step.path.render(vu.ctx));
    const headers = handshakeHeaders(step, vu);
    // Open models: the schedule lag is in schedule_lag; the handshake is timed from when it starts.
    it.scheduledAtMs = undefined;
    step.env.live.add(this);
    // An interrupt (ramp-down deadline) drops the connection as a hard stop does, for this iteration only.
    it.waiting = this;
    this.conn = new WsConnection(
      {
        url,
        headers,
        maxPayloadBytes: step.env.target.maxBodyBytes,
        subprotocols: step.subprotocols,
        connectTimeoutMs: step.connectTimeoutMs,
        insecureSkipTLSVerify: step.env.target.insecureSkipTLSVerify,
        ...(step.env.target.tls ? { tls: step.env.target.tls } : {}),
        ...(step.env.guard ? { guard: step.env.guard } : {}),
      },
      this,
    );
  }

  wsConnectFailed(errorClass: FixedErrorClass, message: string): void {
    if (this.finished) return;
    if (!this.step.env.isHardStopped()) this.step.recorder.transportError(errorClass, message, 0);
    this.it.failed = this.it.aborted = true;
    this.finish();
  }

  wsOpen(connectUs: number): void {
    if (this.finished) return;
    const step = this.step;
    this.openedAtMs = performance.now();
    step.recorder.wsConnected(connectUs);
    if (step.sessionMs !== undefined) {
      this.timer = setTimeout(onSessionEnd, step.sessionMs, this);
      if (step.message && !this.sendOne()) return;
      if (step.intervalMs !== undefined) this.ticker = setInterval(onTick, step.intervalMs, this);
    } else if (step.message && step.expect) {
      this.sendAndAwait();
    } else {
      for (let i = 0; step.message && i < step.messages; i++) if (!this.sendOne()) break;
      this.close();
    }
  }

  wsMessage(data: Buffer, _isBinary: boolean): void {
    if (this.finished) return;
    const step = this.step;
    step.recorder.wsReceived(data.length);
    let parsed: unknown;
    if (step.parseJson) {
      try {
        parsed = JSON.parse(data.toString('utf8'));
      } catch {
        parsed = undefined;
      }
      if (step.latencyFrom) this.recordDelivery(readJsonPath(parsed, step.latencyFrom));
    }
    const expect = step.expect;
    if (!expect || this.closing) return;
    if (step.sessionMs === undefined) {
      if (this.awaitingSinceMs < 0) return;
      const roundTripUs = (performance.now() - this.awaitingSinceMs) * 1000;
      this.awaitingSinceMs = -1;
      if (!expect.matches(data, parsed)) {
        this.replyFailed('ws_mismatch', `reply did not match ${expect.describe}: ${preview(data)}`);
        this.close();
      } else {
        step.recorder.wsReply(roundTripUs);
        if (--this.repliesLeft > 0) this.sendAndAwait();
        else this.close();
      }
      return;
    }
    // Session: a matching message answers the oldest message still waiting; others are pushes.
    if (this.pendingHead >= this.pending.length || !expect.matches(data, parsed)) return;
    const sentAtMs = this.pending[this.pendingHead++] as number;
    if (this.pendingHead === this.pending.length) this.pending.length = this.pendingHead = 0;
    const roundTripMs = performance.now() - sentAtMs;
    if (roundTripMs > step.replyTimeoutMs) this.replyTimedOutAfter(roundTripMs);
    else step.recorder.wsReply(roundTripMs * 1000);
  }

  wsClosed(code: number, reason: string, byUs: boolean, error: string | undefined): void {
    if (this.finished) return;
    const step = this.step;
    if (step.env.isHardStopped()) {
      this.it.aborted = true;
      this.finish();
      return;
    }
    const sessionMs = performance.now() - this.openedAtMs;
    step.recorder.wsSessionEnded(sessionMs * 1000);
    if (!byUs) {
      step.recorder.failure(
        'ws_close',
        `server closed the connection with ${describeCloseCode(code)}${reason ? ` "${reason}"` : ''}${error ? ` (${error})` : ''}`,
      );
      this.it.failed = true;
    } else if (!this.tooBig && code !== WS_NORMAL_CLOSURE && code !== 1005) {
      step.recorder.failure('ws_close', `close handshake did not complete: ${describeCloseCode(code)}`);
      this.it.failed = true;
    }
    this.finish();
  }

  wsMessageTooBig(maxPayloadBytes: number): void {
    if (this.finished || this.closing) return;
    this.tooBig = this.closing = true;
    this.clearTimers();
    const message =
      `a message larger than spec.target.maxBodyBytes (${maxPayloadBytes} bytes) arrived; it was not read ` +
      `and the connection closed with ${describeCloseCode(WS_MESSAGE_TOO_BIG)}`;
    if (this.awaitingSinceMs >= 0) {
      // Request/reply: the message awaiting its reply failed, as a reply that does not match does.
      this.awaitingSinceMs = -1;
      this.replyFailed('ws_close', message);
    } else {
      this.step.recorder.failure('ws_close', message);
      this.it.failed = true;
    }
  }

  /** Hard stop or interrupt: drop the connection and record nothing more. */
  abort(): void {
    if (this.finished) return;
    this.it.aborted = true;
    this.conn.terminate();
    this.finish();
  }

  replyTimedOut(): void {
    if (this.finished || this.closing || this.awaitingSinceMs < 0) return;
    const waitedMs = performance.now() - this.awaitingSinceMs;
    this.awaitingSinceMs = -1;
    this.replyTimedOutAfter(waitedMs);
    this.close();
  }

  tick(): void {
    if (this.finished || this.closing) return;
    this.expirePending();
    this.sendOne();
  }

  sessionEnded(): void {
    if (this.finished || this.closing) return;
    this.expirePending();
    this.close();
  }

  /** False when the message template failed (the connection is then closing). */
  private sendOne(): boolean {
    const step = this.step;
    let data: string | Buffer;
    try {
      data = (step.message as NonNullable<CompiledWsStep['message']>)(this.vu.ctx);
    } catch (error) {
      // Called from socket events and timers, where a throw would end the process: fail the iteration.
      step.recorder.failure('other', `message template: ${(error as Error).message}`);
      this.it.failed = true;
      this.close();
      return false;
    }
    const bytes = this.conn.send(data);
    if (bytes < 0) return true;
    step.recorder.wsSent(bytes);
    if (step.expect && step.sessionMs !== undefined) this.pending.push(performance.now());
    return true;
  }

  private sendAndAwait(): void {
    if (!this.sendOne()) return;
    this.awaitingSinceMs = performance.now();
    if (this.timer) this.timer.refresh();
    else this.timer = setTimeout(onReplyTimeout, this.step.replyTimeoutMs, this);
  }

  /** Session: messages whose reply is overdue count as timeouts now, so a silent server shows. */
  private expirePending(): void {
    const nowMs = performance.now();
    const deadline = nowMs - this.step.replyTimeoutMs;
    while (this.pendingHead < this.pending.length && (this.pending[this.pendingHead] as number) <= deadline)
      this.replyTimedOutAfter(nowMs - (this.pending[this.pendingHead++] as number));
    if (this.pendingHead === this.pending.length) this.pending.length = this.pendingHead = 0;
  }

  private recordDelivery(ts: unknown): void {
    const sentAtEpochMs = typeof ts === 'number' ? ts : typeof ts === 'string' ? Number(ts) : Number.NaN;
    if (Number.isFinite(sentAtEpochMs))
      this.step.recorder.wsDelivery(Math.max(0, Date.now() - sentAtEpochMs) * 1000);
  }

  private replyFailed(errorClass: ErrorClass, message: string): void {
    this.step.recorder.wsReplyFailed(errorClass, message);
    this.it.failed = true;
  }

  /** No matching reply within replyTimeout: a latency at the time waited, as a request timeout is. */
  private replyTimedOutAfter(waitedMs: number): void {
    this.step.recorder.wsReplyTimedOut(waitedMs * 1000, this.timeoutMessage());
    this.it.failed = true;
  }

  private timeoutMessage(): string {
    return `no reply matching ${this.step.expect?.describe} within ${this.step.replyTimeoutMs}ms`;
  }

  private close(): void {
    if (this.closing) return;
    this.closing = true;
    this.clearTimers();
    this.conn.close();
  }

  private clearTimers(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.ticker) clearInterval(this.ticker);
    this.timer = this.ticker = undefined;
  }

  private finish(): void {
    this.finished = true;
    this.clearTimers();
    this.step.env.live.delete(this);
    if (this.it.waiting === this) this.it.waiting = undefined;
    this.resolveDone();
  }
}

function preview(data: Buffer): string {
  const text = data.subarray(0, PREVIEW_CHARS).toString('utf8');
  return data.length > PREVIEW_CHARS ? `${text}...` : text;
}

// Timer callbacks take the exchange as an argument: no closure per timer.
function onReplyTimeout(ex: WsExchange): void {
  ex.replyTimedOut();
}
function onTick(ex: WsExchange): void {
  ex.tick();
}
function onSessionEnd(ex: WsExchange): void {
  ex.sessionEnded();
}
