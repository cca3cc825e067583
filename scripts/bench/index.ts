export { sections } from './registry';
export type { BenchContext, BenchResult, BenchSection } from './types';
export { photoFrame, BENCH_PHOTO } from './photo';
export { summarize, timeRuns, quantile, ms } from './stats';
export type { Summary } from './stats';
