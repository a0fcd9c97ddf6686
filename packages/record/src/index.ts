// The data model
export * from "./types.js";
export { RecordFormatError, ReportError } from "./errors.js";

// Reading and writing damo's record formats
export { detectFormat } from "./formats/detect.js";
export { readRecord, readAllSnapshots } from "./read.js";
export { createRecordWriter } from "./write.js";
export { adjust, adjustMeta, aggregateRegions, type AdjustOptions } from "./adjust.js";
export { collectSeries, type TargetSeries, type SeriesSnapshot } from "./series.js";

// damo's reports
export { reportRaw, type RawReportOptions } from "./reports/raw.js";
export { reportWss, type WssReportOptions } from "./reports/wss.js";
export { reportNrRegions, type NrRegionsReportOptions } from "./reports/nr-regions.js";
export { reportHeatmap, computeHeatmaps, type Heatmap, type HeatmapOptions } from "./reports/heatmap.js";
export { heatBounds, heatmapAscii, heatmapRaw, heatLevel } from "./reports/heatmap-text.js";
export { heatmapPng, heatmapSvg } from "./reports/heatmap-image.js";
export { guidesOf, formatGuides, type Guide, type GuideRegion } from "./reports/guide.js";
export { COLORSETS, palette, type Colorset } from "./reports/colors.js";
export { concat as concatBytes } from "./io.js";
export { formatSz, formatTimeNs } from "./pyfmt.js";
