// The names the Job controller shares with users and other components: labels, annotations,
// the tracking finalizer, condition types, reasons and messages (upstream batch/v1 constants).

export const JobTrackingFinalizer = 'batch.kubernetes.io/job-tracking';
export const JobCompletionIndexAnnotation = 'batch.kubernetes.io/job-completion-index';
export const JobCompletionIndexLabel = 'batch.kubernetes.io/job-completion-index';
export const JobCompletionIndexEnvName = 'JOB_COMPLETION_INDEX';

export const CondComplete = 'Complete';
export const CondFailed = 'Failed';
export const CondSuspended = 'Suspended';
export const CondFailureTarget = 'FailureTarget';
export const CondSuccessCriteriaMet = 'SuccessCriteriaMet';

export const ReasonBackoffLimitExceeded = 'BackoffLimitExceeded';
export const MsgBackoffLimitExceeded = 'Job has reached the specified backoff limit';
export const ReasonDeadlineExceeded = 'DeadlineExceeded';
export const MsgDeadlineExceeded = 'Job was active longer than specified deadline';
export const ReasonCompletionsReached = 'CompletionsReached';
export const MsgCompletionsReached = 'Reached expected number of succeeded pods';
export const ReasonSuccessPolicy = 'SuccessPolicy';
export const ReasonJobSuspended = 'JobSuspended';
export const ReasonJobResumed = 'JobResumed';

/** Pod re-creation after failures: 10s·2^(n-1), capped at six minutes. */
export const DefaultJobPodFailureBackOffMs = 10_000;
export const MaxJobPodFailureBackOffMs = 360_000;
/** at most this many pod creations or deletions per sync */
export const MaxPodCreateDeletePerSync = 500;
