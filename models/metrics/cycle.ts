import { loadImageSource } from '../data/domains.ts';
import type { ImageSet } from '../data/mnist.ts';
import { type DomainClassifier, loadOrTrainDomainClassifier } from './domain-classifier.ts';
import { argmax, loadOrTrainMnistClassifier, type MnistClassifier } from './mnist-classifier.ts';

/**
 * CycleGAN's metrics on held-out images of domain A (the three):
 * - cycleError: mean |x − G_BA(G_AB(x))| over pixels, in [0, 1] pixel units;
 * - identityPreserved: fraction of translations G_AB(x) the MNIST classifier labels as x's digit (x's true label;
 *   the classifier's label of x only for a labelless source); null unless both domains are MNIST domains at
 *   28×28×1. Why the true label rather than the classifier's reading of x: the classifier misreads ~7 % of
 *   thin digits, so even the exact paired translation (the thick version of the same digit) agrees with its
 *   reading of the thin source only 90.0 % of the time, while it matches the true digit 95.0 % of the time
 *   (held-out split, 1,000 digits) — the comparison with the source's reading would cap the metric at the
 *   issue's own threshold;
 * - targetDomainRate: fraction of translations the A-vs-B domain classifier (trained on real images of both)
 *   judges to be B (probB > 0.5); null when no domain classifier was loaded.
 */
export interface CycleMetrics {
  cycleError: number;
  identityPreserved: number | null;
  targetDomainRate: number | null;
}

/** Anything that translates images in [0, 1] between the two domains (the trainer, a loaded checkpoint). */
export interface Translator {
  translate(direction: 'ab' | 'ba', images: Float32Array, count: number): Float32Array;
}

/** Held-out images per evaluation: enough for ±1.5 % on a rate, cheap enough to run every few hundred steps. */
export const CYCLE_EVAL_IMAGES = 1000;

/** Mean |x − G_BA(G_AB(x))| over every pixel of `count` images, [0, 1] units. */
export function cycleError(t: Translator, images: Float32Array, count: number): number {
  return meanAbsDiff(t.translate('ba', t.translate('ab', images, count), count), images);
}

function meanAbsDiff(x: Float32Array, y: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += Math.abs(x[i]! - y[i]!);
  return sum / x.length;
}

/** The base domain name of a spec ('mnist-thin:3' → 'mnist-thin'), or null for a folder. */
function mnistDomainOf(spec: string): string | null {
  const name = spec.includes(':') ? spec.slice(0, spec.indexOf(':')) : spec;
  return ['mnist', 'mnist-thin', 'mnist-thick', 'mnist-inverted'].includes(name) ? name : null;
}

/**
 * What the MNIST classifier should see for images of an MNIST domain: inverted digits are inverted back
 * (the classifier knows white-on-black digits); the other domains as they are.
 */
export function classifierView(domain: string, images: Float32Array): Float32Array {
  if (domain !== 'mnist-inverted') return images;
  const out = new Float32Array(images.length);
  for (let i = 0; i < images.length; i++) out[i] = 1 - images[i]!;
  return out;
}

/** Argmax labels of `count` images (28×28×1 in [0, 1]). */
export function classify(classifier: MnistClassifier, images: Float32Array, count: number): Int32Array {
  const { probs } = classifier.predict(images, count);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) labels[i] = argmax(probs, i * 10, 10);
  return labels;
}

/** Fraction of `translated` images whose classifier label equals `labels`. */
export function identityPreserved(
  classifier: MnistClassifier,
  targetDomain: string,
  translated: Float32Array,
  labels: Int32Array,
): number {
  const count = labels.length;
  const predicted = classify(classifier, classifierView(targetDomain, translated), count);
  let same = 0;
  for (let i = 0; i < count; i++) if (predicted[i] === labels[i]) same++;
  return same / count;
}

/** Fraction of images the domain classifier puts in domain B (probB > 0.5). */
export function targetDomainRate(classifier: DomainClassifier, images: Float32Array, count: number): number {
  const p = classifier.probB(images, count);
  let inB = 0;
  for (let i = 0; i < count; i++) if (p[i]! > 0.5) inB++;
  return inB / count;
}

/** `max` images of the set at evenly spaced indices (the MNIST splits are ordered by digit). */
export function spreadSubset(set: ImageSet, max: number): ImageSet {
  if (set.count <= max) return set;
  const px = set.height * set.width * set.channels;
  const images = new Float32Array(max * px);
  const labels = set.labels ? new Int32Array(max) : null;
  for (let i = 0; i < max; i++) {
    const k = Math.floor((i * set.count) / max);
    images.set(set.images.subarray(k * px, (k + 1) * px), i * px);
    if (labels) labels[i] = set.labels![k]!;
  }
  return { ...set, images, labels, count: max };
}

export interface CycleEvaluatorOptions {
  size: number;
  channels: 1 | 3;
  /** Held-out images of A to use (default CYCLE_EVAL_IMAGES, spread over the test split). */
  maxImages?: number;
  /** Load (training on first use) the classifiers; false computes only the cycle error (tests). */
  classifiers?: boolean;
  /** Models directory for the cached classifiers (see mnist-classifier.ts). */
  dir?: string;
  onProgress?: (done: number, total: number, info: string) => void;
}

/** The held-out images of A and the classifiers, loaded once per run; `evaluate` per evaluation step. */
export class CycleEvaluator {
  readonly heldOutA: ImageSet;
  readonly a: string;
  readonly b: string;
  private readonly mnist: MnistClassifier | null;
  private readonly domain: DomainClassifier | null;
  /** Labels the translations should keep: the sources' digits (the classifier's labels of them without). */
  private readonly sourceLabels: Int32Array | null;

  private constructor(
    a: string,
    b: string,
    heldOutA: ImageSet,
    mnist: MnistClassifier | null,
    domain: DomainClassifier | null,
  ) {
    this.a = a;
    this.b = b;
    this.heldOutA = heldOutA;
    this.mnist = mnist;
    this.domain = domain;
    this.sourceLabels = !mnist
      ? null
      : (heldOutA.labels ??
        classify(mnist, classifierView(mnistDomainOf(a)!, heldOutA.images), heldOutA.count));
  }

  static async create(a: string, b: string, opts: CycleEvaluatorOptions): Promise<CycleEvaluator> {
    const all = loadImageSource(a, { split: 'test', size: opts.size, channels: opts.channels });
    const heldOutA = spreadSubset(all, opts.maxImages ?? CYCLE_EVAL_IMAGES);
    const loadOpts = { dir: opts.dir, onProgress: opts.onProgress };
    const digits =
      mnistDomainOf(a) !== null && mnistDomainOf(b) !== null && opts.size === 28 && opts.channels === 1;
    const withClassifiers = opts.classifiers ?? true;
    const mnist = withClassifiers && digits ? await loadOrTrainMnistClassifier(loadOpts) : null;
    let domain: DomainClassifier | null = null;
    try {
      // Channels are passed only where they are not the classifier's default, so runs share its cache.
      const mnistPair = mnistDomainOf(a) !== null && mnistDomainOf(b) !== null;
      domain = withClassifiers
        ? await loadOrTrainDomainClassifier(a, b, {
            ...loadOpts,
            size: opts.size,
            channels: mnistPair && opts.channels === 1 ? undefined : opts.channels,
          })
        : null;
    } catch (err) {
      mnist?.dispose();
      throw err;
    }
    return new CycleEvaluator(a, b, heldOutA, mnist, domain);
  }

  /** Held-out accuracy of the MNIST classifier (null when identity is not measured). */
  get mnistClassifierAccuracy(): number | null {
    return this.mnist?.accuracy ?? null;
  }

  /** Held-out accuracy of the A-vs-B domain classifier on real images (null without one). */
  get domainClassifierAccuracy(): number | null {
    return this.domain?.accuracy ?? null;
  }

  evaluate(t: Translator): CycleMetrics {
    const { images, count } = this.heldOutA;
    const translated = t.translate('ab', images, count);
    return {
      cycleError: meanAbsDiff(t.translate('ba', translated, count), images),
      identityPreserved:
        this.mnist && this.sourceLabels
          ? identityPreserved(this.mnist, mnistDomainOf(this.b)!, translated, this.sourceLabels)
          : null,
      targetDomainRate: this.domain ? targetDomainRate(this.domain, translated, count) : null,
    };
  }

  dispose(): void {
    this.mnist?.dispose();
    this.domain?.dispose();
  }
}
