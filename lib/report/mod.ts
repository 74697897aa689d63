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

// For the layers above (the root API, mod.ts, picks its own).
export { columnsOf, evaluationSections, summarySection, trainingSections } from "./sections.ts";
