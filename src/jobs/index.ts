export { JobManager, type JobListener, type JobLogger } from './manager';
export { JobStore } from './store';
export { loadJobsConfig, parseDuration, JOBS_DEFAULTS, type JobsConfig } from './config';
export { pipelineRunner, type JobRunner, type JobRunContext, type JobOutput } from './runner';
export { jobRoutes, createJobRoutes, jobsApi, type JobsApiOptions, type JobRoutesOptions } from './routes';
export { parseJobOptions, OptionError, type RawJobOptions, type ModelCatalog } from './options';
export { sanitizeFilename, resultFilename, contentDisposition } from './filename';
export { parseRange, type ByteRange } from './range';
export type { JobState, JobOptions, JobProgress, JobRecord, JobView, JobEvent, NewJob } from './types';
