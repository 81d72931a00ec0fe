/**
 * The fault table, defined once and run three ways: in-process (inProcess.ts), through Pulumi's provider host
 * (hostRunner.ts) or the provider plugin (pluginRunner.ts), the last two on one two-host shape (matrix.ts), all judged
 * by judge.ts on the same rig (rig.ts); render.ts writes docs/reliability.md.
 */

export * from "./hostRunner";
export * from "./inProcess";
export * from "./judge";
export * from "./matrix";
export * from "./pluginRunner";
export * from "./render";
export type { CellRunner, RunStep, StepOutcome } from "./rig";
export * from "./table";
