import * as tf from '@tensorflow/tfjs';

/**
 * Conv2D gradients for the wasm backend, lowered to forward convolutions (XNNPACK), NHWC only.
 *
 * The wasm backend has no `Conv2DBackpropFilter` (tensorflow/tfjs#8474), so no conv layer can train on it, and
 * its `Conv2DBackpropInput` (also the forward pass of conv2dTranspose) is slow. Both are re-expressed here as
 * one forward `Conv2D` each, composed from other wasm kernels (never public tf ops, which would corrupt
 * reference counts inside a kernel); every intermediate is freed with `backend.disposeData`.
 *
 * Notation: x [N,H,W,Ci], filter w [kh,kw,Ci,Co], dy [N,Ho,Wo,Co], stride s, padding (top, left) from
 * `computeConv2DInfo`; the forward conv is y[n,i,j,o] = Σ x[n, i·s + a − top, j·s + b − left, c] · w[a,b,c,o].
 *
 * Filter gradient: dw[a,b,c,o] = Σ_{n,i,j} x[n, a + i·s − top, b + j·s − left, c] · dy[n,i,j,o]. That is a
 * stride-1 forward conv whose "batch" is Ci and whose "channels" are N: input xᵀ = transpose(x, [3,1,2,0])
 * [Ci,H,W,N], filter dyᵀ = transpose(dy, [1,2,0,3]) [Ho,Wo,N,Co], dilation = s; the output [Ci,kh,kw,Co] is
 * transposed back to [kh,kw,Ci,Co]. Padding is explicit: `top` before, and after whatever makes the output
 * exactly kh×kw (negative → the unused trailing rows of x are sliced off first).
 *
 * Input gradient: dx[n,y,x,c] = Σ dy[n,i,j,o] · w[y + top − i·s, x + left − j·s, c, o]. Insert s−1 zeros
 * between dy's rows and columns (reshape to [N,Ho,1,Wo,1,Co], pad, reshape), pad by kh−1−top before, then a
 * stride-1 'valid' conv with the spatially flipped filter whose in/out channels are swapped ([kh,kw,Co,Ci])
 * yields dx [N,H,W,Ci].
 *
 * With equal strides s > 1 the input gradient skips the zeros (s² times less work; this is also the forward
 * pass of conv2dTranspose, the generator's layer): output row r = t − top with t = u·s + p reads only taps
 * a = p + s·m, so dx is ONE stride-1 conv of dy (padded by km−1 before, km = ⌈kh/s⌉) with a filter
 * [km, km, Co, s²·Ci] holding every phase's flipped sub-filter (built on the JS side — filters are small),
 * followed by a depth-to-space shuffle and a crop of `top` rows and `left` columns.
 */

type Info = tf.TensorInfo;
interface WasmBackend {
  disposeData(dataId: object, force?: boolean): boolean;
  readSync(dataId: object): ArrayLike<number>;
  makeOutput(shape: number[], dtype: 'float32', memoryOffset?: number, values?: Float32Array): Info;
}
type Padding = [[number, number], [number, number], [number, number], [number, number]];

function run(name: string, inputs: tf.NamedTensorInfoMap, backend: object, attrs: tf.NamedAttrMap): Info {
  const kernel = tf.getKernel(name, 'wasm');
  if (!kernel) throw new Error(`conv-grads: wasm kernel '${name}' is not registered`);
  return kernel.kernelFunc({ inputs, backend, attrs }) as Info;
}

function free(backend: object, ...infos: Info[]): void {
  for (const info of infos) (backend as WasmBackend).disposeData(info.dataId);
}

function checkNhwc(dataFormat: unknown, kernel: string): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC') {
    throw new Error(
      `${kernel} (wasm, gymlab conv-grads): only dataFormat 'NHWC' is supported, got '${dataFormat}'`,
    );
  }
}

/**
 * An NHWC crop of rows and columns (whole batch, all channels) by contiguous row copies. wasm's Slice kernel
 * takes ≈ 3.5 ms for [64, 30, 30, 1] → [64, 28, 28, 1] (a per-element path), more than the convolution it
 * serves; copying whole rows is ≈ 30× faster. Other slices go to the Slice kernel.
 */
function cropSpatial(x: Info, begin: number[], size: number[], backend: object): Info {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  if (begin[0] !== 0 || begin[3] !== 0 || size[0] !== n || size[3] !== c || x.dtype !== 'float32') {
    return run('Slice', { x }, backend, { begin, size });
  }
  const wasm = backend as WasmBackend;
  const src = wasm.readSync(x.dataId) as Float32Array;
  const [, top, left] = begin as [number, number, number];
  const [, rows, cols] = size as [number, number, number];
  const out = new Float32Array(n * rows * cols * c);
  const rowLength = cols * c;
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < rows; y++) {
      const from = ((b * h + top + y) * w + left) * c;
      out.set(src.subarray(from, from + rowLength), (b * rows + y) * rowLength);
    }
  }
  return wasm.makeOutput([n, rows, cols, c], 'float32', undefined, out);
}

/**
 * Brings `x`'s spatial axes (1, 2) to the extent a conv needs: `before[k]` rows/cols in front (negative: drop),
 * `after[k]` behind (negative: drop). Cropping is done with a Slice; the non-negative remainder is returned as
 * an explicit padding for the Conv2D kernel, so no padded copy is made.
 */
function cropThenPad(
  x: Info,
  before: [number, number],
  after: [number, number],
  backend: object,
): { input: Info; owned: boolean; pad: Padding } {
  const begin = [0, Math.max(0, -before[0]), Math.max(0, -before[1]), 0];
  const size = [
    x.shape[0] as number,
    (x.shape[1] as number) - begin[1]! - Math.max(0, -after[0]),
    (x.shape[2] as number) - begin[2]! - Math.max(0, -after[1]),
    x.shape[3] as number,
  ];
  const crop = begin.some((v) => v !== 0) || size.some((v, i) => v !== x.shape[i]);
  const input = crop ? cropSpatial(x, begin, size, backend) : x;
  const pad: Padding = [
    [0, 0],
    [Math.max(0, before[0]), Math.max(0, after[0])],
    [Math.max(0, before[1]), Math.max(0, after[1])],
    [0, 0],
  ];
  return { input, owned: crop, pad };
}

function conv2dBackpropFilter(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: object;
  attrs?: tf.NamedAttrMap;
}) {
  const { inputs, backend } = args;
  const attrs = (args.attrs ?? {}) as unknown as tf.Conv2DBackpropFilterAttrs;
  checkNhwc(attrs.dataFormat, 'Conv2DBackpropFilter');
  const x = inputs['x'] as Info;
  const dy = inputs['dy'] as Info;
  const filterShape = attrs.filterShape as [number, number, number, number];
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const [kh, kw] = filterShape;
  const { strideHeight: sh, strideWidth: sw, outHeight: ho, outWidth: wo } = info;
  const [h, w] = [x.shape[1] as number, x.shape[2] as number];
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  // Rows of x the conv reads: [-top, -top + (kh-1) + (ho-1)·sh].
  const bottom = kh - 1 + (ho - 1) * sh + 1 - top - h;
  const right = kw - 1 + (wo - 1) * sw + 1 - left - w;
  const xt = run('Transpose', { x }, backend, { perm: [3, 1, 2, 0] });
  const dyt = run('Transpose', { x: dy }, backend, { perm: [1, 2, 0, 3] });
  const { input, owned, pad } = cropThenPad(xt, [top, left], [bottom, right], backend);
  const conv = run('Conv2D', { x: input, filter: dyt }, backend, {
    strides: [1, 1],
    pad,
    dataFormat: 'NHWC',
    dilations: [sh, sw],
    dimRoundingMode: undefined,
  } as unknown as tf.NamedAttrMap);
  const out = run('Transpose', { x: conv }, backend, { perm: [1, 2, 0, 3] });
  free(backend, xt, dyt, conv);
  if (owned) free(backend, input);
  return out;
}

function conv2dBackpropInput(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: object;
  attrs?: tf.NamedAttrMap;
}) {
  const { inputs, backend } = args;
  const attrs = (args.attrs ?? {}) as unknown as tf.Conv2DBackpropInputAttrs;
  checkNhwc(attrs.dataFormat, 'Conv2DBackpropInput');
  const dy = inputs['dy'] as Info;
  const filter = inputs['filter'] as Info;
  const inputShape = attrs.inputShape as [number, number, number, number];
  const filterShape = filter.shape as [number, number, number, number];
  const info = tf.backend_util.computeConv2DInfo(
    inputShape,
    filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const [kh, kw, ci, co] = filterShape;
  const { strideHeight: sh, strideWidth: sw, outHeight: ho, outWidth: wo } = info;
  const [n, h, w] = inputShape;
  if (sh > 1 && sh === sw) return subPixelInput(dy, filter, info, h, w, backend);
  const owned: Info[] = [];
  let up = dy;
  if (sh > 1 || sw > 1) {
    // Zero-insertion: [N,Ho,1,Wo,1,Co] padded to [N,Ho,sh,Wo,sw,Co] is dy dilated by the stride (with
    // trailing zeros, cropped or padded below like any other excess).
    const r6 = run('Reshape', { x: dy }, backend, { shape: [n, ho, 1, wo, 1, co] });
    const padded = run('PadV2', { x: r6 }, backend, {
      paddings: [
        [0, 0],
        [0, 0],
        [0, sh - 1],
        [0, 0],
        [0, sw - 1],
        [0, 0],
      ],
      constantValue: 0,
    } as unknown as tf.NamedAttrMap);
    up = run('Reshape', { x: padded }, backend, { shape: [n, ho * sh, wo * sw, co] });
    owned.push(r6, padded, up);
  }
  const top = kh - 1 - info.padInfo.top;
  const left = kw - 1 - info.padInfo.left;
  // The 'valid' conv of a kh-tall filter must produce exactly h rows: h + kh - 1 rows of input in all.
  const bottom = h + kh - 1 - top - (up.shape[1] as number);
  const right = w + kw - 1 - left - (up.shape[2] as number);
  const { input, owned: cropped, pad } = cropThenPad(up, [top, left], [bottom, right], backend);
  if (cropped) owned.push(input);
  const flipped = run('Reverse', { x: filter }, backend, { dims: [0, 1] });
  const swapped = run('Transpose', { x: flipped }, backend, { perm: [0, 1, 3, 2] });
  owned.push(flipped, swapped);
  const out = run('Conv2D', { x: input, filter: swapped }, backend, {
    strides: [1, 1],
    pad,
    dataFormat: 'NHWC',
    dilations: [1, 1],
    dimRoundingMode: undefined,
  } as unknown as tf.NamedAttrMap);
  free(backend, ...owned);
  if (out.shape[3] !== ci) throw new Error('conv-grads: internal shape error');
  return out;
}

/** The input gradient for equal strides s > 1 by one stride-1 conv over all s² phases, then DepthToSpace. */
function subPixelInput(
  dy: Info,
  filter: Info,
  info: ReturnType<typeof tf.backend_util.computeConv2DInfo>,
  h: number,
  w: number,
  backend: object,
): Info {
  const s = info.strideHeight;
  const [kh, kw, ci, co] = filter.shape as [number, number, number, number];
  const [mh, mw] = [Math.ceil(kh / s), Math.ceil(kw / s)];
  const { top, left } = info.padInfo;
  const [uh, uw] = [Math.ceil((h + top) / s), Math.ceil((w + left) / s)];
  // g[jh, jw, o, (ph·s + pw)·Ci + c] = w[ph + s·(mh−1−jh), pw + s·(mw−1−jw), c, o], zero past the kernel.
  const wv = (backend as WasmBackend).readSync(filter.dataId);
  const depth = s * s * ci;
  const g = new Float32Array(mh * mw * co * depth);
  for (let jh = 0; jh < mh; jh++) {
    for (let jw = 0; jw < mw; jw++) {
      for (let ph = 0; ph < s; ph++) {
        const a = ph + s * (mh - 1 - jh);
        if (a >= kh) continue;
        for (let pw = 0; pw < s; pw++) {
          const b = pw + s * (mw - 1 - jw);
          if (b >= kw) continue;
          for (let c = 0; c < ci; c++) {
            const src = ((a * kw + b) * ci + c) * co;
            const dst = (jh * mw + jw) * co * depth + (ph * s + pw) * ci + c;
            for (let o = 0; o < co; o++) g[dst + o * depth] = wv[src + o]!;
          }
        }
      }
    }
  }
  const gInfo = (backend as WasmBackend).makeOutput([mh, mw, co, depth], 'float32', undefined, g);
  const [ho, wo] = [dy.shape[1] as number, dy.shape[2] as number];
  const { input, owned, pad } = cropThenPad(dy, [mh - 1, mw - 1], [uh - ho, uw - wo], backend);
  const phases = run('Conv2D', { x: input, filter: gInfo }, backend, {
    strides: [1, 1],
    pad,
    dataFormat: 'NHWC',
    dilations: [1, 1],
    dimRoundingMode: undefined,
  } as unknown as tf.NamedAttrMap);
  // DepthToSpace(s) as reshape [N·U, V, s, s·Ci] → transpose [0,2,1,3] → reshape [N, U·s, V·s, Ci]
  // (channel (ph·s + pw)·Ci + c = ph·(s·Ci) + (pw·Ci + c)); wasm's own DepthToSpace is ~10× slower here.
  const n = dy.shape[0] as number;
  const r4 = run('Reshape', { x: phases }, backend, { shape: [n * uh, uw, s, s * ci] });
  const tr = run('Transpose', { x: r4 }, backend, { perm: [0, 2, 1, 3] });
  const full = run('Reshape', { x: tr }, backend, { shape: [n, uh * s, uw * s, ci] });
  const exact = top === 0 && left === 0 && uh * s === h && uw * s === w;
  const out = exact ? full : cropSpatial(full, [0, top, left, 0], [n, h, w, ci], backend);
  free(backend, gInfo, phases, r4, tr);
  if (!exact) free(backend, full);
  if (owned) free(backend, input);
  return out;
}

let registered = false;

/**
 * Registers the lowered `Conv2DBackpropFilter` and `Conv2DBackpropInput` for the 'wasm' backend (replacing
 * wasm's own, slower input gradient). Idempotent; harmless when wasm is not the active backend.
 */
export function registerWasmConvGrads(): void {
  if (registered) return;
  registered = true;
  for (const [kernelName, kernelFunc] of [
    ['Conv2DBackpropFilter', conv2dBackpropFilter],
    ['Conv2DBackpropInput', conv2dBackpropInput],
  ] as const) {
    if (tf.getKernel(kernelName, 'wasm')) tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel({
      kernelName,
      backendName: 'wasm',
      kernelFunc: kernelFunc as unknown as tf.KernelFunc,
    });
  }
}
