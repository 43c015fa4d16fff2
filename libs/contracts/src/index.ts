export * from "./auth.ts";
export * from "./errors.ts";
export * from "./gateway.ts";
export * from "./headers.ts";
export * from "./messaging.ts";
export * from "./routes.ts";
export * from "./trace.ts";
export * from "./user.ts";
