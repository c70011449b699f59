/**
 * A tiny WebAssembly binary writer: just enough to build the fused learner's SIMD kernels at start-up from
 * TypeScript, with no toolchain and no binary blob in the repository. Functions take i32 parameters, use
 * i32/f32/v128 locals, and read and write one imported memory.
 */

export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;
type ValueType = typeof I32 | typeof F32 | typeof V128;

function uleb(n: number, out: number[]): void {
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
}

function sleb(n: number, out: number[]): void {
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return;
    }
    out.push(byte | 0x80);
  }
}

function name(text: string, out: number[]): void {
  const bytes = new TextEncoder().encode(text);
  uleb(bytes.length, out);
  out.push(...bytes);
}

/** SIMD opcodes used by the kernels (the 0xfd-prefixed space). */
const SIMD = {
  load: 0x00,
  store: 0x0b,
  f32x4Splat: 0x13,
  f32x4ExtractLane: 0x1f,
  f32x4ReplaceLane: 0x20,
  f32x4Gt: 0x44,
  v128And: 0x4e,
  f32x4Add: 0xe4,
  f32x4Sub: 0xe5,
  f32x4Mul: 0xe6,
  f32x4Div: 0xe7,
  f32x4Max: 0xe9,
  f32x4Sqrt: 0xe3,
} as const;

/** One function: typed locals and an instruction stream, written through small helpers. */
export class FunctionWriter {
  readonly params: number;
  private readonly localTypes: ValueType[] = [];
  private readonly code: number[] = [];
  /** Depth of enclosing blocks and loops, to turn labels into relative branch depths. */
  private depth = 0;

  constructor(params: number) {
    this.params = params;
  }

  /** A new local of the given type; returns its index. */
  local(type: ValueType): number {
    this.localTypes.push(type);
    return this.params + this.localTypes.length - 1;
  }

  get(index: number): this {
    return this.op(0x20, ...leb(index));
  }

  set(index: number): this {
    return this.op(0x21, ...leb(index));
  }

  tee(index: number): this {
    return this.op(0x22, ...leb(index));
  }

  i32(value: number): this {
    const out = [0x41];
    sleb(value | 0, out);
    return this.op(...out);
  }

  i32Add(): this {
    return this.op(0x6a);
  }

  i32Mul(): this {
    return this.op(0x6c);
  }

  i32GeS(): this {
    return this.op(0x4e);
  }

  i32GtS(): this {
    return this.op(0x4a);
  }

  i32Eqz(): this {
    return this.op(0x45);
  }

  f32(value: number): this {
    const out = new Uint8Array(new Float32Array([value]).buffer);
    return this.op(0x43, ...out);
  }

  f32Load(offset = 0): this {
    return this.op(0x2a, 2, ...leb(offset));
  }

  f32Add(): this {
    return this.op(0x92);
  }

  v128Load(offset = 0): this {
    return this.simd(SIMD.load, 4, ...leb(offset));
  }

  v128Store(offset = 0): this {
    return this.simd(SIMD.store, 4, ...leb(offset));
  }

  f32x4Splat(): this {
    return this.simd(SIMD.f32x4Splat);
  }

  f32x4ExtractLane(lane: number): this {
    return this.simd(SIMD.f32x4ExtractLane, lane);
  }

  f32x4ReplaceLane(lane: number): this {
    return this.simd(SIMD.f32x4ReplaceLane, lane);
  }

  f32x4Add(): this {
    return this.simd(SIMD.f32x4Add);
  }

  f32x4Sub(): this {
    return this.simd(SIMD.f32x4Sub);
  }

  f32x4Mul(): this {
    return this.simd(SIMD.f32x4Mul);
  }

  f32x4Div(): this {
    return this.simd(SIMD.f32x4Div);
  }

  f32x4Max(): this {
    return this.simd(SIMD.f32x4Max);
  }

  f32x4Sqrt(): this {
    return this.simd(SIMD.f32x4Sqrt);
  }

  f32x4Gt(): this {
    return this.simd(SIMD.f32x4Gt);
  }

  v128And(): this {
    return this.simd(SIMD.v128And);
  }

  /** local += value (i32). */
  addTo(index: number, value: number | (() => void)): this {
    this.get(index);
    if (typeof value === 'number') this.i32(value);
    else value();
    return this.i32Add().set(index);
  }

  /** if (condition on the stack) { then } */
  if(then: () => void): this {
    this.op(0x04, 0x40);
    this.depth++;
    then();
    this.depth--;
    return this.op(0x0b);
  }

  /**
   * for (counter = start; counter < end; counter += step) body — `end` is a local (read each pass),
   * `start` a constant or a local.
   */
  forLoop(
    counter: number,
    start: number | { local: number },
    end: number,
    step: number,
    body: () => void,
  ): this {
    if (typeof start === 'number') this.i32(start);
    else this.get(start.local);
    this.set(counter);
    this.op(0x02, 0x40); // block
    this.op(0x03, 0x40); // loop
    this.depth += 2;
    this.get(counter).get(end).i32GeS().op(0x0d, 1); // br_if to the block's end
    body();
    this.addTo(counter, step);
    this.op(0x0c, 0); // br to the loop's start
    this.depth -= 2;
    return this.op(0x0b, 0x0b);
  }

  /** while (counter + lookahead <= end) { body; counter += step } — for blocked loops with a remainder. */
  whileFits(counter: number, lookahead: number, end: number, step: number, body: () => void): this {
    this.op(0x02, 0x40, 0x03, 0x40);
    this.depth += 2;
    this.get(counter).i32(lookahead).i32Add().get(end).i32GtS().op(0x0d, 1);
    body();
    this.addTo(counter, step);
    this.op(0x0c, 0);
    this.depth -= 2;
    return this.op(0x0b, 0x0b);
  }

  op(...bytes: number[]): this {
    for (const b of bytes) this.code.push(b);
    return this;
  }

  private simd(opcode: number, ...immediates: number[]): this {
    const out = [0xfd];
    uleb(opcode, out);
    return this.op(...out, ...immediates);
  }

  /** The function's code-section entry (locals then body). */
  encode(): number[] {
    if (this.depth !== 0) throw new Error('wasm emitter: unbalanced blocks');
    const body: number[] = [];
    uleb(this.localTypes.length, body);
    for (const t of this.localTypes) body.push(1, t);
    body.push(...this.code, 0x0b);
    const out: number[] = [];
    uleb(body.length, out);
    out.push(...body);
    return out;
  }
}

function leb(n: number): number[] {
  const out: number[] = [];
  uleb(n, out);
  return out;
}

/** Builds a module that imports `env.memory` and exports the given functions (all (i32 …) → ()). */
export function buildModule(functions: { name: string; writer: FunctionWriter }[]): Uint8Array {
  const bytes: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  const section = (id: number, content: number[]) => {
    bytes.push(id);
    uleb(content.length, bytes);
    bytes.push(...content);
  };
  // Types: one per distinct parameter count.
  const arities = [...new Set(functions.map((f) => f.writer.params))];
  const types: number[] = [];
  uleb(arities.length, types);
  for (const n of arities) {
    types.push(0x60);
    uleb(n, types);
    for (let i = 0; i < n; i++) types.push(I32);
    types.push(0);
  }
  section(1, types);
  const imports: number[] = [1];
  name('env', imports);
  name('memory', imports);
  imports.push(0x02, 0x00, 0x01); // memory, limits {min: 1}
  section(2, imports);
  const funcs: number[] = [];
  uleb(functions.length, funcs);
  for (const f of functions) uleb(arities.indexOf(f.writer.params), funcs);
  section(3, funcs);
  const exports: number[] = [];
  uleb(functions.length, exports);
  functions.forEach((f, i) => {
    name(f.name, exports);
    exports.push(0x00);
    uleb(i, exports);
  });
  section(7, exports);
  const code: number[] = [];
  uleb(functions.length, code);
  for (const f of functions) code.push(...f.writer.encode());
  section(10, code);
  return Uint8Array.from(bytes);
}
