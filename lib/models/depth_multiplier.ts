/**
 * Depth multipliers as TF-Slim's nets apply them (Inception, MobileNet).
 *
 * @module
 */

/** Throws unless `multiplier` > 0 (TF-Slim raises `ValueError` there too). */
export function checkDepthMultiplier(model: string, multiplier: number): number {
  if (!(multiplier > 0)) {
    throw new Error(`${model}: depthMultiplier must be > 0, got ${multiplier}`);
  }
  return multiplier;
}

/** TF-Slim's `depth(d) = max(int(d * depth_multiplier), min_depth)`, after checking the multiplier. */
export function slimDepth(
  model: string,
  options: { multiplier: number; minDepth: number },
): (d: number) => number {
  const multiplier = checkDepthMultiplier(model, options.multiplier);
  return (d) => Math.max(Math.trunc(d * multiplier), options.minDepth);
}
