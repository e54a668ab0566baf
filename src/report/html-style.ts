/** The stylesheet inlined into report.html: system fonts, light background, readable at print size. */
export const HTML_STYLE = `
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #1f2328;
  background: #fff; max-width: 980px; margin: 24px auto; padding: 0 20px; }
header { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 16px; }
h1 { font-size: 22px; margin: 0; }
h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #d0d7de; padding-bottom: 4px; }
.meta { width: 100%; margin: 0; color: #57606a; }
.verdict { font-weight: 700; padding: 2px 10px; border-radius: 4px; color: #fff; }
.verdict.pass { background: #1a7f37; }
.verdict.fail { background: #cf222e; }
.figures { display: grid; grid-template-columns: repeat(4, 1fr); gap: 10px; margin: 18px 0; }
.figure { border: 1px solid #d0d7de; border-radius: 6px; padding: 8px 12px; }
.figure .label { color: #57606a; font-size: 12px; }
.figure .value { font-size: 19px; font-weight: 600; }
.chart { width: 100%; height: auto; display: block; margin: 10px 0 4px; }
.chart .chart-title { font-size: 15px; font-weight: 600; fill: #1f2328; }
.chart .tick, .chart .legend { font-size: 12px; fill: #424a53; }
.chart .axis-label { font-size: 13px; fill: #1f2328; }
.chart .grid { stroke: #e6e8eb; }
.chart .tick-mark { stroke: #8c959f; }
.chart .frame { fill: none; stroke: #8c959f; }
.chart .series { fill: none; stroke-width: 2; stroke-linejoin: round; stroke-linecap: round; }
.chart .marker { stroke: #fff; stroke-width: 1.5; }
.chart .empty { font-size: 14px; fill: #57606a; }
.note { color: #57606a; font-size: 12px; margin: 2px 0 10px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; }
th, td { border-bottom: 1px solid #e6e8eb; padding: 5px 8px; text-align: left; }
th { background: #f6f8fa; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.good { color: #1a7f37; font-weight: 600; }
.bad { color: #cf222e; font-weight: 600; }
.finding { border-left: 4px solid #8c959f; padding: 2px 12px; margin: 10px 0; background: #f6f8fa; }
.finding.critical { border-color: #cf222e; }
.finding.warning { border-color: #bf8700; }
.finding ul { margin: 4px 0; padding-left: 20px; }
.finding .severity { text-transform: uppercase; font-size: 11px; font-weight: 700; color: #57606a; }
.advice { margin: 4px 0 6px; }
td.method { color: #57606a; font-size: 12px; }
footer { margin: 30px 0 10px; color: #57606a; font-size: 12px; }
@media print { body { margin: 0; } .chart { break-inside: avoid; } }
`;
