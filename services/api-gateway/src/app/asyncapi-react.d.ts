// The AsyncAPI React component's CommonJS build without its parser, which ships no types beside
// it: its own types, from `lib/types`, under the shape Node's ESM import gives a CommonJS module.
declare module "@asyncapi/react-component/lib/cjs/without-parser.js" {
  const commonJs: { default: typeof import("@asyncapi/react-component/lib/types/without-parser.js").default };
  export default commonJs;
}
