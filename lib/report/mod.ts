/**
 * Reports: Plotly charts for notebooks and offline HTML files.
 *
 * @module
 */
export * from "./charts.ts";
export * from "./notebook.ts";
export * from "./plotly.ts";
