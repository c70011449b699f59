/**
 * Small dense linear algebra in float64 for the Fréchet distance (dims ≤ a few hundred): mean/covariance,
 * symmetric eigen-decomposition by cyclic Jacobi rotations, and the PSD matrix square root. Matrices are
 * row-major Float64Array of n×n.
 *
 * Cyclic Jacobi is O(n³) per sweep and converges quadratically (typically 6–10 sweeps); at n = 128 one
 * decomposition takes ~0.1–0.2 s in Node, which is fine for a metric computed once per evaluation.
 */

export interface SymmetricEigen {
  /** Eigenvalues, ascending. */
  values: Float64Array;
  /** Eigenvectors as columns: vectors[i * n + k] is component i of the k-th eigenvector (unit length). */
  vectors: Float64Array;
}

/**
 * Eigen-decomposition of the symmetric n×n matrix `a` (only its symmetric part is used: (a + aᵀ)/2):
 * a = V diag(values) Vᵀ. Cyclic Jacobi: each rotation zeroes one off-diagonal pair; sweeps repeat until the
 * off-diagonal mass is below 1e-24 of the total (or 100 sweeps).
 */
export function symmetricEigen(a: ArrayLike<number>, n: number): SymmetricEigen {
  if (a.length !== n * n)
    throw new RangeError(`symmetricEigen: expected ${n}×${n} = ${n * n} values, got ${a.length}`);
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) m[i * n + j] = 0.5 * (a[i * n + j]! + a[j * n + i]!);
  }
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let total = 0;
  for (let i = 0; i < n * n; i++) total += m[i]! * m[i]!;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += 2 * m[p * n + q]! ** 2;
    if (off <= 1e-24 * total || off === 0) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q]!;
        if (apq === 0) continue;
        const app = m[p * n + p]!;
        const aqq = m[q * n + q]!;
        // Skip rotations that cannot change the diagonal in float64 (late sweeps).
        if (sweep > 3 && Math.abs(apq) * 1e18 < Math.abs(app) && Math.abs(apq) * 1e18 < Math.abs(aqq)) {
          m[p * n + q] = 0;
          m[q * n + p] = 0;
          continue;
        }
        const theta = (aqq - app) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        // A ← Jᵀ A J with J = rotation in the (p, q) plane: columns, then rows.
        for (let k = 0; k < n; k++) {
          const kp = m[k * n + p]!;
          const kq = m[k * n + q]!;
          m[k * n + p] = c * kp - s * kq;
          m[k * n + q] = s * kp + c * kq;
        }
        for (let k = 0; k < n; k++) {
          const pk = m[p * n + k]!;
          const qk = m[q * n + k]!;
          m[p * n + k] = c * pk - s * qk;
          m[q * n + k] = s * pk + c * qk;
        }
        m[p * n + q] = 0;
        m[q * n + p] = 0;
        for (let k = 0; k < n; k++) {
          const kp = v[k * n + p]!;
          const kq = v[k * n + q]!;
          v[k * n + p] = c * kp - s * kq;
          v[k * n + q] = s * kp + c * kq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => m[x * n + x]! - m[y * n + y]!);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((src, k) => {
    values[k] = m[src * n + src]!;
    for (let i = 0; i < n; i++) vectors[i * n + k] = v[i * n + src]!;
  });
  return { values, vectors };
}

/** V diag(f(λ)) Vᵀ for a decomposition. */
function applySpectral(e: SymmetricEigen, n: number, f: (x: number) => number): Float64Array {
  const out = new Float64Array(n * n);
  const fl = Float64Array.from(e.values, f);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += e.vectors[i * n + k]! * fl[k]! * e.vectors[j * n + k]!;
      out[i * n + j] = s;
      out[j * n + i] = s;
    }
  }
  return out;
}

/** The symmetric square root of a positive semi-definite matrix; negative eigenvalues (rounding) count as 0. */
export function sqrtPsd(a: ArrayLike<number>, n: number): Float64Array {
  return applySpectral(symmetricEigen(a, n), n, (x) => Math.sqrt(Math.max(0, x)));
}

/** Row-major product of two n×n matrices. */
export function matMul(a: ArrayLike<number>, b: ArrayLike<number>, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k]!;
      if (aik === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j] += aik * b[k * n + j]!;
    }
  }
  return out;
}

export function trace(a: ArrayLike<number>, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i * n + i]!;
  return s;
}

/**
 * Tr((A^½ B A^½)^½) for symmetric PSD A, B — the cross term of the Fréchet distance. (A^½ B A^½ is symmetric
 * PSD and has the same eigenvalues as A·B, so this equals Tr((AB)^½) without a non-symmetric square root.)
 */
export function traceSqrtProduct(a: ArrayLike<number>, b: ArrayLike<number>, n: number): number {
  const ra = sqrtPsd(a, n);
  const m = matMul(matMul(ra, b, n), ra, n);
  const { values } = symmetricEigen(m, n);
  let s = 0;
  for (const x of values) s += Math.sqrt(Math.max(0, x));
  return s;
}

/** Mean (dim) and unbiased covariance (dim × dim, divisor count − 1) of `count` row vectors. */
export function meanAndCovariance(
  x: ArrayLike<number>,
  count: number,
  dim: number,
): { mean: Float64Array; cov: Float64Array } {
  if (x.length !== count * dim) {
    throw new RangeError(
      `meanAndCovariance: expected ${count}×${dim} = ${count * dim} values, got ${x.length}`,
    );
  }
  if (count < 2) throw new RangeError(`meanAndCovariance: need at least 2 samples, got ${count}`);
  const mean = new Float64Array(dim);
  for (let r = 0; r < count; r++) for (let j = 0; j < dim; j++) mean[j] += x[r * dim + j]!;
  for (let j = 0; j < dim; j++) mean[j] = mean[j]! / count;
  const cov = new Float64Array(dim * dim);
  const row = new Float64Array(dim);
  for (let r = 0; r < count; r++) {
    for (let j = 0; j < dim; j++) row[j] = x[r * dim + j]! - mean[j]!;
    for (let i = 0; i < dim; i++) {
      const ri = row[i]!;
      if (ri === 0) continue;
      for (let j = i; j < dim; j++) cov[i * dim + j] += ri * row[j]!;
    }
  }
  for (let i = 0; i < dim; i++) {
    for (let j = i; j < dim; j++) {
      const c = cov[i * dim + j]! / (count - 1);
      cov[i * dim + j] = c;
      cov[j * dim + i] = c;
    }
  }
  return { mean, cov };
}
