import { resolveImage } from '../../src/source/resolve.js';
import type { Image } from '../../src/source/types.js';

/**
 * Opens the image with every layer's open() counted: a layer answered from the layer cache is
 * never opened (compressed layers are always read through it).
 */
export async function counted(ref: string): Promise<{ image: Image; opens: () => number }> {
  const image = (await resolveImage(ref)) as Image;
  let n = 0;
  for (const l of image.layers) {
    const open = l.open.bind(l);
    l.open = () => {
      n++;
      return open();
    };
  }
  return { image, opens: () => n };
}
