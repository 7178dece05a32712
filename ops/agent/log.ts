/**
 * The agent's log: one line per event, as text (`agent: <message>`, the default, what people
 * read) or as JSON (pino: `level`, `time`, `msg` and the key/value fields `env`, `revision`,
 * `phase`, `reason`, for log pipelines). `--log-format json|text` picks one.
 */
import pino from "pino";
import { Reason, REASONS, ReconcilePhase } from "../../model/agentApi";

export const LOG_FORMATS = ["text", "json"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** The key/value fields of a line. */
export interface LogFields {
  env?: string;
  /** Full commit id. */
  revision?: string;
  phase?: ReconcilePhase;
  reason?: Reason;
}

/** Writes one line; `fields` are shown in JSON only (the text already names what matters). */
export type AgentLog = (message: string, fields?: LogFields) => void;

/**
 * A logger writing whole lines to `write`. Lines whose `reason` is a failure are `warn`, the rest
 * `info`. The text format is exactly `agent: <message>`.
 */
export function createAgentLog(format: LogFormat, write: (line: string) => void): AgentLog {
  switch (format) {
    case "text":
      return (message) => write(`agent: ${message}\n`);
    case "json": {
      const logger = pino(
        { base: { component: "agent" }, timestamp: pino.stdTimeFunctions.isoTime },
        { write: (line: string) => write(line) },
      );
      return (message, fields = {}) => {
        const clean = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
        const kind = fields.reason ? REASONS[fields.reason].kind : "success";
        if (kind === "transient" || kind === "terminal") logger.warn(clean, message);
        else logger.info(clean, message);
      };
    }
  }
}
