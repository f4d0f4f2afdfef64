// Wasm files imported by the Workers entry arrive compiled: wrangler's default CompiledWasm rule.

declare module '*.wasm' {
  const module: WebAssembly.Module;
  export default module;
}
