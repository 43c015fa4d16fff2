export { runCliProcess } from "@tessera/testing";

export const silent = { debug() {}, info() {}, warn() {}, error() {} };
