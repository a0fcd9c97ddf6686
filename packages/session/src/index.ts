export { Session, toRecordSnapshot, type SessionOptions, type SessionSummary, type WorkloadInput } from "./session.js";
