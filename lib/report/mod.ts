/**
 * Figures (Plotly) for notebooks and offline HTML reports.
 *
 * @module
 */
export {
  confusionHeatmap,
  learningRateChart,
  lrFindChart,
  perClassBars,
  sweepComparison,
  trainingCurves,
} from "./charts.ts";
export { showChart, showHtml } from "./notebook.ts";
export {
  chartHtml,
  type Figure,
  htmlTable,
  type ReportSection,
  standaloneReport,
} from "./plotly.ts";
export { sweepSections } from "./sections.ts";
