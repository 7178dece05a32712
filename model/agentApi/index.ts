/**
 * The agent's API, `agent.platform.dev/v1`: one module at the bottom beside the model, imported by
 * the Agent component (its CRD) and the agent alike. Imports nothing of the project.
 */
export * from "./reasons";
export * from "./types";
