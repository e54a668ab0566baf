/**
 * Compiles one gRPC step: the method is looked up in its .proto once, the message and metadata are templates
 * compiled once. Latency runs from the scheduled start (open models) or the call's start to the response
 * (unary) or the end of the stream (server streaming); a call past its deadline is timed at the deadline
 * waited. A call succeeds when it ends with the expected status (check.grpcStatus, default OK); any other
 * status is a failure classed `grpc_<status>`. UNAVAILABLE (the target cannot be reached) ends the iteration
 * like a transport error and, like one, has no latency; every other status lets the flow go on.
 */
import { durationUs } from '../api/duration.js';
import type { Step } from '../api/schema.js';
import {
  classifyError,
  classifyGrpcStatus,
  type ErrorClass,
  GRPC_UNAVAILABLE,
  grpcStatusName,
  grpcStatusTimed,
} from '../metrics/error-class.js';
import type { StepRecorder } from '../metrics/recorder.js';
import { type GrpcCallResult, GrpcMethodError, loadMethod } from '../protocols/grpc/client.js';
import type { FlowEnv, StepRunner } from './flow-env.js';
import { compileJsonValue } from './json-template.js';
import { compileTemplate } from './template.js';

export function defaultGrpcStepName(step: Step): string {
  return `${step.grpc?.service}/${step.grpc?.method}`;
}

/** A step that cannot run in this process (no gRPC target, a bad proto): every iteration says why. */
function failing(recorder: StepRecorder, message: string): StepRunner {
  return async (_vu, it) => {
    recorder.transportError('other', message, 0);
    it.failed = it.aborted = true;
  };
}

/** Why a finished call failed, or undefined when it ended as expected. */
export function judgeCall(
  result: Pick<GrpcCallResult, 'code' | 'details'>,
  expected: string,
  latencyUs: number,
  maxDurationUs: number | undefined,
): { errorClass: ErrorClass; message: string } | undefined {
  const status = grpcStatusName(result.code);
  if (status !== expected) {
    const errorClass = result.code === 0 ? 'check' : classifyGrpcStatus(result.code);
    const detail = result.details ? `: ${result.details}` : '';
    return { errorClass, message: `gRPC ${status}${detail}, expected ${expected}` };
  }
  if (maxDurationUs !== undefined && latencyUs > maxDurationUs)
    return { errorClass: 'check', message: `check failed: duration <= ${maxDurationUs / 1000}ms` };
  return undefined;
}

export function compileGrpcStep(step: Step, name: string, env: FlowEnv): StepRunner {
  const spec = step.grpc as NonNullable<Step['grpc']>;
  const recorder = env.recorder(name, 'grpc');
  const channel = env.grpcChannel();
  if (!channel) return failing(recorder, 'gRPC steps need a grpc:// or grpcs:// target.baseURL');
  let method: ReturnType<typeof loadMethod>;
  try {
    method = loadMethod(env.resolveProto(spec.proto, spec.protoConfigMap), spec.service, spec.method);
  } catch (error) {
    if (!(error instanceof GrpcMethodError)) throw error;
    return failing(recorder, error.message);
  }
  const message = compileJsonValue(spec.message ?? {});
  const metadata = Object.entries(spec.metadata ?? {}).map(([k, v]) => [k, compileTemplate(v)] as const);
  const deadlineMs = spec.deadline ? durationUs(spec.deadline) / 1000 : env.target.timeoutMs;
  const hasCheck = step.check !== undefined;
  const expected = step.check?.grpcStatus ?? 'OK';
  const maxDurationUs = step.check?.maxDuration ? durationUs(step.check.maxDuration) : undefined;
  return async (vu, it) => {
    const scheduledAtMs = it.scheduledAtMs;
    it.scheduledAtMs = undefined;
    const meta: Record<string, string> = {};
    for (const [k, t] of metadata) meta[k] = t.render(vu.ctx);
    const sentAtMs = performance.now();
    let result: Awaited<ReturnType<typeof channel.checkedCall>>;
    try {
      result = await channel.checkedCall(method, message(vu.ctx), meta, deadlineMs, env.live);
    } catch (error) {
      // The target policy refused the host: counted as policy_denied, like every other protocol's refusal.
      recorder.transportError(classifyError(error), `${name}: ${(error as Error).message}`, 0);
      it.failed = true;
      it.aborted = true;
      return;
    }
    const doneAtMs = performance.now();
    if (env.isHardStopped()) {
      it.aborted = true;
      return;
    }
    const latencyUs = (doneAtMs - (scheduledAtMs ?? sentAtMs)) * 1000;
    const status = grpcStatusName(result.code);
    if (grpcStatusTimed(result.code))
      recorder.grpcCall(
        latencyUs,
        (doneAtMs - sentAtMs) * 1000,
        status,
        result.messages,
        result.bytesIn,
        result.bytesOut,
      );
    else recorder.grpcUntimed(status, result.messages, result.bytesIn, result.bytesOut);
    const failure = judgeCall(result, expected, latencyUs, maxDurationUs);
    if (hasCheck) recorder.check(failure === undefined);
    if (!failure) return;
    recorder.failure(failure.errorClass, `${name}: ${failure.message}`);
    it.failed = true;
    if (result.code === GRPC_UNAVAILABLE) it.aborted = true;
  };
}
