export { RunStore, RUN_LOG_EVENT, RUN_UPDATED_EVENT, type NewRun } from './run-store.js';
export { RunTopic, type RunAuthorizer } from './run-topic.js';
export * from './runs.types.js';
