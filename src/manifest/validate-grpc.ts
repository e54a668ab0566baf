/** Cross-field checks of gRPC steps: the target they need, their templates, and the checks that apply. */
import { basename } from 'node:path/posix';
import type { Step } from '../api/schema.js';
import type { Problem } from '../api/schema-check.js';
import { joinPath } from '../api/schema-check.js';
import { checkJsonTemplates, checkTemplate, type TemplateScope } from './template-check.js';

/** What a ConfigMap key may hold (the apiserver's rule). */
const CONFIGMAP_KEY = /^[-._a-zA-Z0-9]+$/;

/** Check fields that read an HTTP response; a gRPC step has a status name instead. */
const HTTP_ONLY_CHECKS = ['status', 'statusIn', 'bodyContains', 'bodyMatches', 'json'] as const;

export function isGrpcBaseURL(baseURL: string): boolean {
  return /^grpcs?:\/\//.test(baseURL);
}

export function grpcStepProblems(
  step: Step,
  path: string,
  scope: TemplateScope,
  grpcTarget: boolean,
  problems: Problem[],
): void {
  const grpc = step.grpc as NonNullable<Step['grpc']>;
  if (!grpcTarget)
    problems.push({
      path: `${path}.grpc`,
      message: 'needs a grpc://host:port or grpcs://host:port spec.target.baseURL',
    });
  if (grpc.protoConfigMap !== undefined && !CONFIGMAP_KEY.test(basename(grpc.proto)))
    problems.push({
      path: `${path}.grpc.proto`,
      message: `its base name "${basename(grpc.proto)}" is the key in protoConfigMap, and a ConfigMap key holds only letters, digits, '-', '_' and '.'`,
    });
  for (const [k, v] of Object.entries(grpc.metadata ?? {}))
    checkTemplate(v, joinPath(`${path}.grpc.metadata`, k), scope, problems);
  if (grpc.message !== undefined) {
    if (grpc.message === null || typeof grpc.message !== 'object' || Array.isArray(grpc.message))
      problems.push({
        path: `${path}.grpc.message`,
        message: 'must be an object (the request message as JSON)',
      });
    else checkJsonTemplates(grpc.message, `${path}.grpc.message`, scope, problems);
  }
  if (step.extract) problems.push({ path: `${path}.extract`, message: 'does not apply to a grpc step' });
  for (const field of HTTP_ONLY_CHECKS) {
    if (step.check?.[field] !== undefined)
      problems.push({
        path: `${path}.check.${field}`,
        message: 'does not apply to a grpc step; use check.grpcStatus or check.maxDuration',
      });
  }
}

/** HTTP and WebSocket steps with a relative URL join it to baseURL, which a gRPC target cannot serve. */
export function nonGrpcStepProblems(
  step: Step,
  path: string,
  grpcTarget: boolean,
  problems: Problem[],
): void {
  if (step.check?.grpcStatus !== undefined)
    problems.push({ path: `${path}.check.grpcStatus`, message: 'only applies to a grpc step' });
  if (!grpcTarget) return;
  if (step.request && !/^https?:\/\//.test(step.request.url))
    problems.push({
      path: `${path}.request.url`,
      message: 'needs an absolute http(s) URL: spec.target.baseURL is a gRPC target',
    });
  if (step.ws?.url.startsWith('/'))
    problems.push({
      path: `${path}.ws.url`,
      message: 'needs an absolute ws(s) URL: spec.target.baseURL is a gRPC target',
    });
}
