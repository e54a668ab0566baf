/** junit.xml: one test case per threshold, plus one for the run's outcome, so CI systems show the gate. */
import { fmtThresholdValue } from './format.js';
import type { Summary } from './summary.js';

const xml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function renderJunit(s: Summary): string {
  const cases: string[] = [];
  const outcomeOk = s.outcome === 'completed';
  cases.push(
    `    <testcase classname="stampede.${xml(s.loadTest.name)}" name="run completed" time="${s.durationSeconds}">` +
      (outcomeOk
        ? ''
        : `\n      <failure message="${xml(s.outcome)}">${xml(s.outcomeDetail ?? s.outcome)}</failure>\n    `) +
      '</testcase>',
  );
  if (s.generator.saturated) {
    cases.push(
      `    <testcase classname="stampede.${xml(s.loadTest.name)}" name="generator not saturated">\n` +
        `      <system-out>${xml(s.generator.reasons.join('; '))}</system-out>\n    </testcase>`,
    );
  }
  for (const t of s.thresholds) {
    const name = `${t.metric}: ${t.threshold}`;
    const actual = fmtThresholdValue(t.actual, t.unit);
    cases.push(
      `    <testcase classname="stampede.${xml(s.loadTest.name)}.thresholds" name="${xml(name)}">` +
        (t.passed ? '' : `\n      <failure message="${xml(`${name} (actual ${actual})`)}"/>\n    `) +
        '</testcase>',
    );
  }
  for (const g of s.gates ?? []) {
    const name = `${g.name} ${g.rule}`;
    cases.push(
      `    <testcase classname="stampede.${xml(s.loadTest.name)}.gates" name="${xml(name)}">` +
        (g.passed ? '' : `\n      <failure message="${xml(`${name} (actual ${g.actual})`)}"/>\n    `) +
        '</testcase>',
    );
  }
  const failures =
    s.thresholds.filter((t) => !t.passed).length +
    (s.gates ?? []).filter((g) => !g.passed).length +
    (outcomeOk ? 0 : 1);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="stampede" tests="${cases.length}" failures="${failures}" time="${s.durationSeconds}">`,
    `  <testsuite name="${xml(s.loadTest.name)}" tests="${cases.length}" failures="${failures}" time="${s.durationSeconds}" timestamp="${s.startedAt}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
