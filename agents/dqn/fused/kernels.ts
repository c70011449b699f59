import { buildModule, FunctionWriter, I32, V128 } from './wasm-emitter.ts';

/**
 * The two matrix products a dense layer's forward and backward pass need, on float32 matrices living in one
 * heap and addressed by byte offsets. Every vectorised dimension (N of `nn`, N and K of `nt`) must be a
 * multiple of 4 — the fused MLP pads its layers to that with zero units.
 *
 * nn: C[i, j] = act(bias[j] + Σ_k A(i, k)·B[k, j]), A(i, k) at a + i·ars + k·acs bytes, B row-major K × N,
 *     act = ReLU when `relu` is 1. Forward pass (A = activations) and weight gradient (A = activationsᵀ through
 *     the strides, B = upstream gradient).
 * nt: C[i, j] = Σ_k A[i, k]·B[j, k] (A is M × K, B is N × K), then zeroed where mask[i, j] ≤ 0 when `mask` is
 *     non-zero. Gradient w.r.t. a layer's input (B = the layer's weights) with the ReLU derivative folded in.
 */
export interface MatrixKernels {
  /** 'wasm-simd' or 'js'. */
  readonly name: string;
  /** The heap the byte offsets point into. */
  readonly heap: Float32Array;
  nn(
    a: number,
    ars: number,
    acs: number,
    b: number,
    bias: number,
    c: number,
    m: number,
    k: number,
    n: number,
    relu: number,
  ): void;
  nt(a: number, b: number, c: number, mask: number, m: number, n: number, k: number): void;
}

export function wasmSimdAvailable(): boolean {
  try {
    // Validate a one-function module that uses a SIMD instruction.
    return WebAssembly.validate(kernelModuleBytes() as BufferSource);
  } catch {
    return false;
  }
}

/** Kernels over a heap of `bytes` bytes: WebAssembly SIMD when the platform has it, else plain JavaScript. */
export function createKernels(bytes: number, prefer: 'wasm-simd' | 'js' = 'wasm-simd'): MatrixKernels {
  if (prefer === 'wasm-simd' && wasmSimdAvailable()) return wasmKernels(bytes);
  return jsKernels(new Float32Array(new ArrayBuffer(roundUp(bytes, 16))));
}

function roundUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

let moduleBytes: Uint8Array | undefined;
let compiled: WebAssembly.Module | undefined;

function kernelModuleBytes(): Uint8Array {
  moduleBytes ??= buildModule([
    { name: 'nn', writer: writeNn() },
    { name: 'nt', writer: writeNt() },
  ]);
  return moduleBytes;
}

function wasmKernels(bytes: number): MatrixKernels {
  const pages = Math.ceil(roundUp(bytes, 16) / 65_536) + 1;
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
  compiled ??= new WebAssembly.Module(kernelModuleBytes() as BufferSource);
  const instance = new WebAssembly.Instance(compiled, { env: { memory } });
  const ex = instance.exports as unknown as Pick<MatrixKernels, 'nn' | 'nt'>;
  return { name: 'wasm-simd', heap: new Float32Array(memory.buffer), nn: ex.nn, nt: ex.nt };
}

/** Parameter indices of nn. */
const NN = { a: 0, ars: 1, acs: 2, b: 3, bias: 4, c: 5, m: 6, k: 7, n: 8, relu: 9 };

function writeNn(): FunctionWriter {
  const f = new FunctionWriter(10);
  const p = NN;
  const i = f.local(I32);
  const j = f.local(I32);
  const kk = f.local(I32);
  const aRow = f.local(I32);
  const cRow = f.local(I32);
  const ap = f.local(I32);
  const bp = f.local(I32);
  const rowBytes = f.local(I32);
  const s = f.local(V128);
  const acc = [f.local(V128), f.local(V128), f.local(V128), f.local(V128)];
  const zero = f.local(V128);
  // rowBytes = n * 4
  f.get(p.n).i32(4).i32Mul().set(rowBytes);
  f.f32(0).f32x4Splat().set(zero);
  f.get(p.a).set(aRow);
  f.get(p.c).set(cRow);
  f.forLoop(i, 0, p.m, 1, () => {
    f.i32(0).set(j);
    // Blocks of 16 columns: four accumulators share each broadcast A element.
    const block = (width: 1 | 4) => {
      for (let q = 0; q < width; q++) {
        f.get(p.bias)
          .get(j)
          .i32(4)
          .i32Mul()
          .i32Add()
          .v128Load(16 * q)
          .set(acc[q]!);
      }
      f.get(aRow).set(ap);
      f.get(p.b).get(j).i32(4).i32Mul().i32Add().set(bp);
      f.forLoop(kk, 0, p.k, 1, () => {
        f.get(ap).f32Load().f32x4Splat().set(s);
        for (let q = 0; q < width; q++) {
          f.get(acc[q]!)
            .get(s)
            .get(bp)
            .v128Load(16 * q)
            .f32x4Mul()
            .f32x4Add()
            .set(acc[q]!);
        }
        f.addTo(ap, () => f.get(p.acs));
        f.addTo(bp, () => f.get(rowBytes));
      });
      f.get(p.relu).if(() => {
        for (let q = 0; q < width; q++) f.get(acc[q]!).get(zero).f32x4Max().set(acc[q]!);
      });
      for (let q = 0; q < width; q++) {
        f.get(cRow)
          .get(j)
          .i32(4)
          .i32Mul()
          .i32Add()
          .get(acc[q]!)
          .v128Store(16 * q);
      }
    };
    f.whileFits(j, 16, p.n, 16, () => block(4));
    f.whileFits(j, 4, p.n, 4, () => block(1));
    f.addTo(aRow, () => f.get(p.ars));
    f.addTo(cRow, () => f.get(rowBytes));
  });
  return f;
}

function writeNt(): FunctionWriter {
  // Parameters: a, b, c, mask, m, n, k
  const f = new FunctionWriter(7);
  const [a, b, c, mask, m, n, k] = [0, 1, 2, 3, 4, 5, 6];
  const i = f.local(I32);
  const j = f.local(I32);
  const kk = f.local(I32);
  const kBytes = f.local(I32);
  const aRow = f.local(I32);
  const bRow = f.local(I32);
  const cp = f.local(I32);
  const mp = f.local(I32);
  const av = f.local(V128);
  const r = f.local(V128);
  const zero = f.local(V128);
  const acc = [f.local(V128), f.local(V128), f.local(V128), f.local(V128)];
  f.get(k).i32(4).i32Mul().set(kBytes);
  f.f32(0).f32x4Splat().set(zero);
  f.get(a).set(aRow);
  f.get(c).set(cp);
  f.get(mask).set(mp);
  f.forLoop(i, 0, m, 1, () => {
    f.get(b).set(bRow);
    f.forLoop(j, 0, n, 4, () => {
      for (let q = 0; q < 4; q++) f.get(zero).set(acc[q]!);
      f.forLoop(kk, 0, kBytes, 16, () => {
        f.get(aRow).get(kk).i32Add().v128Load().set(av);
        for (let q = 0; q < 4; q++) {
          // B row j+q starts q·kBytes after row j.
          f.get(acc[q]!).get(av).get(bRow).get(kk).i32Add();
          for (let t = 0; t < q; t++) f.get(kBytes).i32Add();
          f.v128Load().f32x4Mul().f32x4Add().set(acc[q]!);
        }
      });
      // r = [Σ acc0, Σ acc1, Σ acc2, Σ acc3]
      for (let q = 0; q < 4; q++) {
        if (q > 0) f.get(r);
        f.get(acc[q]!).f32x4ExtractLane(0).get(acc[q]!).f32x4ExtractLane(1).f32Add();
        f.get(acc[q]!).f32x4ExtractLane(2).get(acc[q]!).f32x4ExtractLane(3).f32Add().f32Add();
        if (q === 0) f.f32x4Splat();
        else f.f32x4ReplaceLane(q);
        f.set(r);
      }
      f.get(mask)
        .i32Eqz()
        .i32Eqz()
        .if(() => {
          f.get(r).get(mp).v128Load().get(zero).f32x4Gt().v128And().set(r);
        });
      f.get(cp).get(r).v128Store();
      f.addTo(cp, 16);
      f.addTo(mp, 16);
      f.addTo(bRow, () => f.get(kBytes).i32(4).i32Mul());
    });
    f.addTo(aRow, () => f.get(kBytes));
  });
  return f;
}

/** The same two kernels in plain JavaScript: the fallback where WebAssembly SIMD is missing, and a reference. */
function jsKernels(heap: Float32Array): MatrixKernels {
  return {
    name: 'js',
    heap,
    nn(a, ars, acs, b, bias, c, m, k, n, relu) {
      const A = a >> 2;
      const sr = ars >> 2;
      const sc = acs >> 2;
      const B = b >> 2;
      const Bias = bias >> 2;
      const C = c >> 2;
      for (let i = 0; i < m; i++) {
        const row = C + i * n;
        for (let j = 0; j < n; j++) heap[row + j] = heap[Bias + j]!;
        for (let kk = 0; kk < k; kk++) {
          const v = heap[A + i * sr + kk * sc]!;
          if (v === 0) continue;
          const bRow = B + kk * n;
          for (let j = 0; j < n; j++) heap[row + j] = heap[row + j]! + v * heap[bRow + j]!;
        }
        if (relu) {
          // max(x, 0) as WebAssembly's f32x4.max: NaN stays NaN, so divergence is still detected.
          for (let j = 0; j < n; j++) {
            const v = heap[row + j]!;
            if (v < 0) heap[row + j] = 0;
          }
        }
      }
    },
    nt(a, b, c, mask, m, n, k) {
      const A = a >> 2;
      const B = b >> 2;
      const C = c >> 2;
      const M = mask >> 2;
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          if (mask !== 0 && !(heap[M + i * n + j]! > 0)) {
            heap[C + i * n + j] = 0;
            continue;
          }
          let s = 0;
          for (let kk = 0; kk < k; kk++) s += heap[A + i * k + kk]! * heap[B + j * k + kk]!;
          heap[C + i * n + j] = s;
        }
      }
    },
  };
}
