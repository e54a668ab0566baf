/**
 * report.md: the run for people, with every figure traceable to how it was measured. The report is a list
 * of sections, each a function of the summary returning its lines; a section without data returns nothing
 * or one line saying what would fill it. Add a section by adding one line to SECTIONS.
 */

import { renderBaselineMarkdown } from './compare-table.js';
import {
  budgetSection,
  findingsSection,
  recommendationsSection,
  scalabilitySection,
} from './sections-analysis.js';
import { customMetricsSection } from './sections-custom.js';
import { renderLevelsSection } from './sections-levels.js';
import { configurationSection, executiveSummarySection, titleSection } from './sections-overview.js';
import { renderPgMarkdown, renderWsMarkdown } from './sections-protocols.js';
import { resourcesSection } from './sections-resources.js';
import {
  errorsSection,
  methodsSection,
  openModelSection,
  runnersSection,
  stepsSection,
  throughputSection,
} from './sections-results.js';
import type { Summary } from './summary.js';

export type Section = (s: Summary) => string[];

export const SECTIONS: Section[] = [
  titleSection,
  executiveSummarySection,
  configurationSection,
  renderLevelsSection,
  stepsSection,
  openModelSection,
  renderWsMarkdown,
  renderPgMarkdown,
  customMetricsSection,
  scalabilitySection,
  throughputSection,
  resourcesSection,
  errorsSection,
  findingsSection,
  runnersSection,
  budgetSection,
  renderBaselineMarkdown,
  recommendationsSection,
  methodsSection,
];

export function renderMarkdown(s: Summary): string {
  return SECTIONS.flatMap((section) => section(s)).join('\n');
}
