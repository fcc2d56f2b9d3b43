// The public API, named one by one: exactly what jsii carries to Python, Java, .NET and Go.
// Module constants and helpers (the release policy's numbers, the runtime configuration, the
// release contract) stay importable by path for lambda/ and the CLI, but are not public API.
export { CanaryFargateService, type CanaryFargateServiceProps } from './canary-fargate-service';
export { type ICanaryDeployment } from './deployment/canary-deployment-base';
export { type AnalysisOptions, CanaryDeployment, type CanaryDeploymentOptions, type CanaryDeploymentProps, InconclusivePolicy, type RelativeToStable, type RollbackAlarmOptions } from './deployment/canary-deployment';
export { type AppSpecPlacement } from './deployment/app-spec';
export { TrafficSchedule, type TrafficStep } from './deployment/traffic-schedule';
export { RollbackAlarms, type RollbackAlarmsProps, type RollbackThresholds } from './alarms/rollback-alarms';
export { type AppSpecHookFunctions, CanaryHooks, type HookTarget } from './hooks/canary-hooks';
export { HttpCheck, type HttpCheckConfig, type HttpCheckOptions, LambdaCheck, type LambdaCheckConfig, SmokeCheckType, SmokeTest, type SmokeTestConfig } from './hooks/smoke-test';
export { CanaryDashboard, type CanaryDashboardOptions, type CanaryDashboardProps } from './observability/canary-dashboard';
export { CanaryRelease, type CanaryReleaseOptions, type CanaryReleaseProps, ReleaseConflictPolicy } from './release/canary-release';
export { ReleaseMode, type ReleaseModeConfig, type ReleaseModeWarning, ReleaseRunKind } from './release/release-mode';
export { ReleaseEstimate, type ReleaseEstimatePart } from './release/release-estimate';
export { CanaryReleaseProvider, type ReleaseGrantTarget } from './release/release-provider';
export { NativeCanaryDeployment, type NativeCanaryDeploymentProps } from './deployment/native-canary-deployment';
export { NativeHooks, type NativeSmokeFunction } from './native/native-hooks';
export { DeploymentEngine } from './native/deployment-engine';
