import { openSquashfs, type SquashfsImage } from './read.ts';

/** The images of a layer stack given bottom first, opened top first (the order overlayfs looks through them). */
export async function openStack(
  layers: readonly { file: string; offset: number }[],
): Promise<SquashfsImage[]> {
  const images: SquashfsImage[] = [];
  try {
    for (const layer of [...layers].reverse()) images.push(await openSquashfs(layer.file, layer.offset));
    return images;
  } catch (error) {
    for (const image of images) await image.close();
    throw error;
  }
}
