import { describe, expect, it } from 'vitest';
import { parseRunnerPodSettings } from '../../../src/controller/runner-pod-settings.js';

describe('runner pod settings from the chart (STAMPEDE_RUNNER_POD)', () => {
  it('takes pull policy, resources and placement, and drops the chart defaults ("" and {})', () => {
    const json = JSON.stringify({
      imagePullPolicy: 'Always',
      resources: { requests: { cpu: '1' } },
      nodeSelector: {},
      tolerations: [{ key: 'k', operator: 'Exists' }],
      affinity: {},
    });
    expect(parseRunnerPodSettings(json)).toEqual({
      imagePullPolicy: 'Always',
      resources: { requests: { cpu: '1' } },
      tolerations: [{ key: 'k', operator: 'Exists' }],
    });
    expect(parseRunnerPodSettings(undefined)).toEqual({});
    expect(parseRunnerPodSettings(JSON.stringify({ imagePullPolicy: '', resources: {} }))).toEqual({});
  });

  it('names the bad field and what is allowed', () => {
    expect(() => parseRunnerPodSettings('{')).toThrow(/STAMPEDE_RUNNER_POD is not JSON/);
    expect(() => parseRunnerPodSettings('{"imagePullPolicy":"Sometimes"}')).toThrow(
      'STAMPEDE_RUNNER_POD.imagePullPolicy: must be Always, IfNotPresent, Never',
    );
    expect(() => parseRunnerPodSettings('{"nodeSelector":{"a":1}}')).toThrow(
      'STAMPEDE_RUNNER_POD.nodeSelector: must be an object of string labels',
    );
    expect(() => parseRunnerPodSettings('{"resources":{"cpu":"1"}}')).toThrow(/requests and\/or limits/);
    expect(() => parseRunnerPodSettings('{"hostNetwork":true}')).toThrow(/hostNetwork: must be absent/);
  });
});
