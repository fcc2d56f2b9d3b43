export * from './canary-fargate-service';
export * from './deployment/canary-deployment';
export * from './deployment/traffic-schedule';
export * from './alarms/rollback-alarms';
export * from './hooks/canary-hooks';
export * from './hooks/smoke-test';
export { CanaryValidationError } from './private/validation';
export * from './runtime-config';
