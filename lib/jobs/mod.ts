/**
 * Jobs: the command lines' work as calls. `train` and `eval` jobs, and
 * sweeps of train trials (grids, trial files, random search) on this
 * machine or as Slurm job arrays.
 *
 * @module
 */
export { runEvalJob } from "./eval_job.ts";
export { parseRange, randomTrials, type Range } from "./random_search.ts";
export { slurmAvailable, type SlurmOptions } from "./slurm_engine.ts";
export { resultsCsv, sweep, type SweepOptions, type SweepSummary } from "./sweep.ts";
export { TRAIN_FLAGS, trainJobFromArgs } from "./train_flags.ts";
export { expandPreset, SESSION_PRESETS, type SessionPreset } from "./session_presets.ts";
export { runTrainJob, type TrainJob, type TrainSummary } from "./train_job.ts";
export { checkTrials, gridTrials, readTrialsFile, type Trial, trialName } from "./trials.ts";
